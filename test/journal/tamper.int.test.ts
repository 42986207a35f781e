/**
 * Tampering with what the journal stored, as a superuser with the append-only triggers off
 * (session_replication_role = replica): the audit must fail and say where; a truncated tail must
 * make the next signature refuse. Each change is undone afterwards, and the audit passes again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompactRange } from '../../shared/ledger/compact-range.ts';
import { entryBytes } from '../../shared/ledger/entry.ts';
import { leafHash } from '../../shared/ledger/hashing.ts';
import { verifierFromVkey } from '../../shared/ledger/vkey.ts';
import { InconsistentTreeError } from '../../shared/ports/journal-store.ts';
import { auditJournal, checkJournalEntryFormat, type AuditReport } from '../../shared/adapters/sql/audit.ts';
import type { SqlExecutor } from '../../shared/adapters/sql/executor.ts';
import type { SqlJournalStore } from '../../shared/adapters/sql/journal-store.ts';
import { sampleEntry } from '../ledger/journal-fixture.ts';
import { testSigner } from '../ledger/test-signer.ts';
import { pgliteFixture, postgresFixture, type JournalFixture } from '../support/journal-databases.ts';
import { testDatabaseUrl } from '../support/services.ts';

const url = testDatabaseUrl();
const SIZE = 1_000;
const CHECKPOINT_SIZES = [600, SIZE];

const backends = [
  { name: 'PGlite', open: () => pgliteFixture(), skip: false },
  { name: 'PostgreSQL 15', open: () => postgresFixture(url as string), skip: url === undefined },
];

describe.each(backends)('tampering with the journal on $name', ({ open, skip }) => {
  describe.skipIf(skip)('is detected', () => {
    const signer = testSigner();
    const verifier = verifierFromVkey(signer.vkey);
    const entries = Array.from({ length: SIZE }, (_, i) => Buffer.from(entryBytes(sampleEntry(i))));
    let fixture: JournalFixture;
    let executor: SqlExecutor;
    let store: SqlJournalStore;
    let now = 1_000_000;

    const audit = (withEntryFormat = false): Promise<AuditReport> =>
      auditJournal(executor, { verifier, chunkSize: 512, ...(withEntryFormat ? { checkEntry: checkJournalEntryFormat } : {}) });

    beforeAll(async () => {
      fixture = await open();
      executor = await fixture.openExecutor();
      store = await fixture.openStore({ signer, now: () => now });
      for (const size of CHECKPOINT_SIZES) {
        const head = await store.treeHead();
        for (let i = head.size; i < size; i += 100) await store.append(entries.slice(i, Math.min(size, i + 100)));
        now += 60_000;
        await store.checkpoint();
      }
    });

    afterAll(async () => {
      await fixture?.close();
    });

    it('passes the audit untouched', async () => {
      // Act
      const report = await audit(true);
      // Assess
      expect(report.problem).toBeUndefined();
      expect(report).toMatchObject({ treeSize: SIZE, checkpointsChecked: 2 });
    });

    it('names the tree node over an entry whose bytes changed', async () => {
      // Prepare: entry 300 lies in the complete block [288, 304)
      await setEntry(300, flipByte(entries[300] as Buffer, 10));
      // Act
      const report = await audit();
      // Assess
      await setEntry(300, entries[300] as Buffer);
      expect(report.problem).toMatchObject({ place: 'tree node (level 4, index 18)', index: 288 });
      expect(report.problem?.message).toMatch(/^covering entries \[288, 304\) does not match them/);
      expect((await audit()).problem).toBeUndefined();
    });

    it('names the entry itself when the change breaks the entry format', async () => {
      // Prepare
      await setEntry(300, flipByte(entries[300] as Buffer, 10));
      // Act
      const report = await audit(true);
      // Assess
      await setEntry(300, entries[300] as Buffer);
      expect(report.problem).toMatchObject({ place: 'entry 300', index: 300 });
      expect(report.problem?.message).toMatch(/^is not a journal entry/);
    });

    it('names the checkpoint over a changed entry in the last, incomplete block', async () => {
      // Prepare: a change that keeps the entry well formed, in [992, 1000), under the checkpoint at size 1000 only
      const changed = Buffer.from((entries[995] as Buffer).toString().replace(/patient-\d/, 'patient-9'));
      await setEntry(995, changed);
      // Act
      const report = await audit(true);
      // Assess
      await setEntry(995, entries[995] as Buffer);
      expect(report.problem).toMatchObject({ place: `checkpoint at size ${SIZE}`, index: SIZE - 1 });
      expect(report.problem?.message).toMatch(/does not match the entries/);
    });

    it('names a tree node whose stored hash changed', async () => {
      // Prepare
      const [node] = await fixture.superuserQuery<{ hash: Uint8Array }>('SELECT hash FROM chartproof.tree_nodes WHERE level = 8 AND idx = 2');
      const original = Buffer.from(node?.hash as Uint8Array);
      await setNode(2, flipByte(original, 31));
      // Act
      const report = await audit();
      // Assess
      await setNode(2, original);
      expect(report.problem).toMatchObject({ place: 'tree node (level 8, index 2)', index: 512 });
      expect((await audit()).problem).toBeUndefined();
    });

    it('names a checkpoint whose signed note changed', async () => {
      // Prepare: one byte of the root line of the checkpoint at size 600
      const [row] = await fixture.superuserQuery<{ note: string }>('SELECT note FROM chartproof.checkpoints WHERE size = 600');
      const original = row?.note as string;
      const lines = original.split('\n');
      lines[2] = `${lines[2]?.startsWith('A') ? 'B' : 'A'}${lines[2]?.slice(1)}`;
      await setCheckpoint(600, lines.join('\n'));
      // Act
      const report = await audit();
      // Assess
      await setCheckpoint(600, original);
      expect(report.problem).toMatchObject({ place: 'checkpoint at size 600' });
      expect(report.problem?.message).toMatch(/signature or format does not verify/);
      expect((await audit()).problem).toBeUndefined();
    });

    describe('when the tail is cut off', () => {
      const cutAt = 700;

      beforeAll(async () => {
        // The careful attacker: entries and nodes past 700 gone, and a head that is right for 700.
        const range = CompactRange.empty();
        for (const entry of entries.slice(0, cutAt)) range.append(leafHash(entry));
        await fixture.tamper([
          { text: 'DELETE FROM chartproof.journal_entries WHERE idx >= $1', values: [cutAt] },
          { text: 'DELETE FROM chartproof.tree_nodes WHERE (idx + 1) * (1::bigint << level) > $1', values: [cutAt] },
          {
            text: 'UPDATE chartproof.journal_head SET size = $1, root = $2, right_edge = $3',
            values: [cutAt, Buffer.from(range.root()), range.rightEdge.map((hash) => Buffer.from(hash))],
          },
        ]);
      });

      it('refuses to sign a tree smaller than the last checkpoint', async () => {
        // Prepare
        now += 60_000;
        // Act
        const signing = store.checkpoint({ covering: cutAt });
        // Assess
        await expect(signing).rejects.toThrow(InconsistentTreeError);
        await expect(signing).rejects.toThrow(/the tree is smaller than the checkpoint/);
      });

      it('reports the lost entries in the audit', async () => {
        // Act
        const report = await audit();
        // Assess
        expect(report.problem).toMatchObject({ place: `checkpoint at size ${SIZE}`, index: cutAt });
        expect(report.problem?.message).toMatch(/lost entries that were signed/);
      });

      it('refuses to sign once new entries have grown the tree past the checkpoint again', async () => {
        // Prepare: other entries where the cut ones were
        await store.append(Array.from({ length: 400 }, (_, i) => Buffer.from(entryBytes(sampleEntry(5_000 + i)))));
        now += 60_000;
        // Act
        const signing = store.checkpoint({ covering: cutAt + 400 });
        // Assess
        await expect(signing).rejects.toThrow(InconsistentTreeError);
        await expect(signing).rejects.toThrow(/computed root1 .* want /);
      });
    });

    async function setEntry(index: number, bytes: Buffer): Promise<void> {
      await fixture.tamper([{ text: 'UPDATE chartproof.journal_entries SET entry = $2 WHERE idx = $1', values: [index, bytes] }]);
    }

    async function setNode(index: number, hash: Buffer): Promise<void> {
      await fixture.tamper([{ text: 'UPDATE chartproof.tree_nodes SET hash = $2 WHERE level = 8 AND idx = $1', values: [index, hash] }]);
    }

    async function setCheckpoint(size: number, note: string): Promise<void> {
      await fixture.tamper([{ text: 'UPDATE chartproof.checkpoints SET note = $2 WHERE size = $1', values: [size, note] }]);
    }
  });
});

function flipByte(bytes: Buffer, position: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[position] = (copy[position] as number) ^ 0x01;
  return copy;
}
