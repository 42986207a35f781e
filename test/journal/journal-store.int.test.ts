/**
 * The JournalStore contract, run against PGlite and against PostgreSQL 15 alike. The tests of one
 * backend share one journal and run in order; a mirror of every entry appended (the ledger core's
 * CompactRange over the same bytes) says what the store must hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompactRange } from '../../shared/ledger/compact-range.ts';
import { IndexOutOfRangeError, InvalidTreeSizesError } from '../../shared/ledger/errors.ts';
import { leafHash, type Hash } from '../../shared/ledger/hashing.ts';
import { openCheckpoint } from '../../shared/ledger/note.ts';
import { isStoredNodeLevel } from '../../shared/ledger/tiles.ts';
import { verifyConsistency, verifyInclusion } from '../../shared/ledger/verify.ts';
import { verifierFromVkey } from '../../shared/ledger/vkey.ts';
import { InvalidEntryError, MAX_ENTRY_BYTES, TreeSizeOutOfRangeError } from '../../shared/ports/journal-store.ts';
import { auditJournal } from '../../shared/adapters/sql/audit.ts';
import type { SqlJournalStore } from '../../shared/adapters/sql/journal-store.ts';
import { migrate } from '../../shared/adapters/sql/migrate.ts';
import { DEFAULT_JOURNAL_ROLES } from '../../shared/adapters/sql/roles.ts';
import { testSigner } from '../ledger/test-signer.ts';
import { pgliteFixture, postgresFixture, type JournalFixture } from '../support/journal-databases.ts';
import { testDatabaseUrl } from '../support/services.ts';

const url = testDatabaseUrl();

/** Every entry appended so far, in journal order, with the tree the ledger core builds from them. */
class Mirror {
  readonly entries: Uint8Array[] = [];
  readonly #range = CompactRange.empty();
  readonly nodes = new Map<string, Hash>();

  add(entries: readonly Uint8Array[]): void {
    for (const entry of entries) {
      this.entries.push(entry);
      this.#range.append(leafHash(entry), (id, hash) => {
        if (isStoredNodeLevel(id.level)) this.nodes.set(`${id.level}/${id.index}`, hash);
      });
    }
  }

  get size(): number {
    return this.entries.length;
  }

  root(): Hash {
    return this.#range.root();
  }

  /** Roots at each of `sizes` (all <= size), recomputed in one pass. */
  rootsAt(sizes: readonly number[]): Map<number, Hash> {
    const wanted = new Set(sizes);
    const roots = new Map<number, Hash>();
    const range = CompactRange.empty();
    if (wanted.has(0)) roots.set(0, range.root());
    this.entries.forEach((entry, index) => {
      range.append(leafHash(entry));
      if (wanted.has(index + 1)) roots.set(index + 1, range.root());
    });
    return roots;
  }
}

let sequence = 0;
/** Distinct entries of 20..60 bytes. */
function makeEntries(count: number): Uint8Array[] {
  return Array.from({ length: count }, () => {
    sequence++;
    return Buffer.from(`{"n":${sequence},"pad":"${'x'.repeat(sequence % 41)}"}`);
  });
}

const backends = [
  { name: 'PGlite', open: () => pgliteFixture(), skip: false },
  { name: 'PostgreSQL 15', open: () => postgresFixture(url as string), skip: url === undefined },
];

describe.each(backends)('the journal store on $name', ({ open, skip }) => {
  describe.skipIf(skip)('contract', () => {
    let fixture: JournalFixture;
    let store: SqlJournalStore;
    const mirror = new Mirror();
    const signer = testSigner();

    beforeAll(async () => {
      fixture = await open();
      store = await fixture.openStore();
      await fixture.superuserQuery('CREATE TABLE chartproof.test_projection (id integer PRIMARY KEY, note text NOT NULL)');
      await fixture.superuserQuery(`GRANT SELECT, INSERT ON chartproof.test_projection TO ${DEFAULT_JOURNAL_ROLES.runtime}`);
    });

    afterAll(async () => {
      await fixture?.close();
    });

    it('starts empty', async () => {
      // Act
      const head = await store.treeHead();
      // Assess
      expect(head).toEqual({ size: 0, root: mirror.root() });
    });

    it('journals one entry and returns its receipt', async () => {
      // Prepare
      const entries = makeEntries(1);
      // Act
      const receipts = await store.append(entries);
      // Assess
      mirror.add(entries);
      expect(receipts).toEqual([{ index: 0, leafHash: leafHash(entries[0] as Uint8Array), treeSize: 1 }]);
      expect(await store.treeHead()).toEqual({ size: 1, root: mirror.root() });
    });

    it('gives the entries of one append consecutive indexes in order', async () => {
      // Prepare
      const entries = makeEntries(5);
      const first = mirror.size;
      // Act
      const receipts = await store.append(entries);
      // Assess
      mirror.add(entries);
      expect(receipts.map((receipt) => receipt.index)).toEqual([first, first + 1, first + 2, first + 3, first + 4]);
      expect(receipts.map((receipt) => receipt.leafHash)).toEqual(entries.map(leafHash));
      expect(await store.treeHead()).toEqual({ size: mirror.size, root: mirror.root() });
    });

    it('writes nothing for an empty append', async () => {
      // Prepare
      const before = await store.treeHead();
      // Act
      const receipts = await store.append([]);
      // Assess
      expect(receipts).toEqual([]);
      expect(await store.treeHead()).toEqual(before);
    });

    it.each([
      ['an empty entry', () => [Buffer.from('ok'), new Uint8Array(0)]],
      ['an entry over the size limit', () => [new Uint8Array(MAX_ENTRY_BYTES + 1)]],
      ['something that is not bytes', () => ['text' as unknown as Uint8Array]],
    ])('refuses %s and writes nothing', async (_what, entries) => {
      // Prepare
      const before = await store.treeHead();
      // Act
      const appending = store.append(entries());
      // Assess
      await expect(appending).rejects.toThrow(InvalidEntryError);
      expect(await store.treeHead()).toEqual(before);
    });

    it('integrates batches of every size into the tree the ledger core computes, past 65,536 entries', async () => {
      // Prepare: uneven batch sizes cross 256- and 65,536-leaf boundaries at different offsets
      const sizes = [1, 255, 2, 256, 3000, 1, 4095, 700];
      // Act
      while (mirror.size < 70_000) {
        const entries = makeEntries(Math.min(sizes[mirror.size % sizes.length] as number, 70_000 - mirror.size));
        const receipts = await store.append(entries);
        expect(receipts[0]?.index).toBe(mirror.size);
        mirror.add(entries);
      }
      // Assess
      expect(await store.treeHead()).toEqual({ size: mirror.size, root: mirror.root() });
    });

    it('stores exactly the nodes at levels 4, 8, 12 and 16 that the ledger core reports', async () => {
      // Act
      const rows = await fixture.superuserQuery<{ level: number; idx: string; hash: Uint8Array }>(
        'SELECT level, idx, hash FROM chartproof.tree_nodes',
      );
      // Assess
      const stored = new Map(rows.map((row) => [`${row.level}/${row.idx}`, Buffer.from(row.hash).toString('hex')]));
      const expected = new Map([...mirror.nodes].map(([key, hash]) => [key, Buffer.from(hash).toString('hex')]));
      expect(stored).toEqual(expected);
      expect(stored.has('16/0')).toBe(true);
    });

    it('proves inclusion of any entry in any tree size up to the head', async () => {
      // Prepare
      const head = mirror.size;
      const cases: [number, number][] = [
        [0, 1], [0, head], [1, 2], [255, 256], [255, 257], [256, 257], [300, 512], [511, 70_000],
        [65_535, 65_536], [65_536, 65_537], [65_536, head], [head - 1, head], [12_345, 40_000],
      ];
      const roots = mirror.rootsAt(cases.map(([, size]) => size));
      for (const [index, size] of cases) {
        // Act
        const proof = await store.inclusionProof(index, size);
        // Assess
        expect(() => verifyInclusion(index, size, leafHash(mirror.entries[index] as Uint8Array), proof, roots.get(size) as Hash)).not.toThrow();
      }
    });

    it('proves consistency between any two tree sizes up to the head', async () => {
      // Prepare
      const head = mirror.size;
      const cases: [number, number][] = [
        [1, 1], [1, 2], [1, head], [3, 7], [255, 256], [256, 257], [257, 65_536], [65_536, 65_537],
        [65_535, head], [4_097, 65_541], [head - 1, head], [head, head],
      ];
      const roots = mirror.rootsAt(cases.flat());
      for (const [size1, size2] of cases) {
        // Act
        const proof = await store.consistencyProof(size1, size2);
        // Assess
        expect(() => verifyConsistency(size1, size2, proof, roots.get(size1) as Hash, roots.get(size2) as Hash)).not.toThrow();
      }
    });

    it('returns an entry with its inclusion proof at the latest tree head by default', async () => {
      // Prepare
      const index = 1_234;
      // Act
      const proven = await store.entry(index);
      // Assess
      expect(Buffer.from(proven.entry)).toEqual(Buffer.from(mirror.entries[index] as Uint8Array));
      expect(proven.leafHash).toEqual(leafHash(mirror.entries[index] as Uint8Array));
      expect(proven.treeSize).toBe(mirror.size);
      verifyInclusion(index, proven.treeSize, proven.leafHash, proven.proof, mirror.root());
    });

    it('returns an entry with its inclusion proof at an older tree size', async () => {
      // Prepare
      const [index, treeSize] = [1_234, 5_000];
      // Act
      const proven = await store.entry(index, { treeSize });
      // Assess
      expect(proven.treeSize).toBe(treeSize);
      verifyInclusion(index, treeSize, proven.leafHash, proven.proof, mirror.rootsAt([treeSize]).get(treeSize) as Hash);
    });

    it.each([
      ['an entry at the tree size', (s: SqlJournalStore, size: number) => s.entry(size), IndexOutOfRangeError],
      ['an entry in a tree beyond the head', (s: SqlJournalStore, size: number) => s.entry(0, { treeSize: size + 1 }), TreeSizeOutOfRangeError],
      ['an inclusion proof beyond the head', (s: SqlJournalStore, size: number) => s.inclusionProof(0, size + 1), TreeSizeOutOfRangeError],
      ['a consistency proof from size 0', (s: SqlJournalStore, size: number) => s.consistencyProof(0, size), InvalidTreeSizesError],
      ['a consistency proof backwards', (s: SqlJournalStore, size: number) => s.consistencyProof(size, size - 1), InvalidTreeSizesError],
      ['a consistency proof beyond the head', (s: SqlJournalStore, size: number) => s.consistencyProof(1, size + 1), TreeSizeOutOfRangeError],
    ])('refuses %s with a typed error', async (_what, ask, error) => {
      // Act
      const asking = ask(store, mirror.size);
      // Assess
      await expect(asking).rejects.toThrow(error);
    });

    it('commits a projection change and its entries together, and returns receipts after integration', async () => {
      // Prepare
      const entries = makeEntries(2);
      // Act
      const { value, receipts } = await store.transact(async (tx) => {
        await tx.query('INSERT INTO chartproof.test_projection (id, note) VALUES ($1, $2)', [1, 'committed']);
        tx.append(entries);
        return 'done';
      });
      // Assess
      mirror.add(entries);
      expect(value).toBe('done');
      expect(receipts.map((receipt) => receipt.index)).toEqual([mirror.size - 2, mirror.size - 1]);
      expect(await fixture.superuserQuery('SELECT note FROM chartproof.test_projection WHERE id = 1')).toEqual([{ note: 'committed' }]);
      expect(await store.treeHead()).toEqual({ size: mirror.size, root: mirror.root() });
    });

    it('rolls back the projection and journals nothing when the work throws', async () => {
      // Prepare
      const before = await store.treeHead();
      // Act
      const transacting = store.transact(async (tx) => {
        await tx.query('INSERT INTO chartproof.test_projection (id, note) VALUES ($1, $2)', [2, 'rolled back']);
        tx.append(makeEntries(1));
        throw new Error('the use case failed');
      });
      // Assess
      await expect(transacting).rejects.toThrow('the use case failed');
      expect(await fixture.superuserQuery('SELECT note FROM chartproof.test_projection WHERE id = 2')).toEqual([]);
      expect(await store.treeHead()).toEqual(before);
    });

    it('returns no receipts for a transaction that journals nothing', async () => {
      // Act
      const result = await store.transact(async (tx) => {
        await tx.query('INSERT INTO chartproof.test_projection (id, note) VALUES ($1, $2)', [3, 'no entry']);
        return 3;
      });
      // Assess
      expect(result).toEqual({ value: 3, receipts: [] });
    });

    describe('checkpoints', () => {
      let now = 1_000_000;
      let signing: SqlJournalStore;

      beforeAll(async () => {
        signing = await fixture.openStore({ signer, now: () => now, checkpointPolicy: { minInterval: 1_000, maxInterval: 60_000 } });
      });

      it('signs the first checkpoint at once, over the latest tree head', async () => {
        // Act
        const checkpoint = await signing.checkpoint();
        // Assess
        expect(checkpoint).toMatchObject({ size: mirror.size, root: mirror.root(), signedAt: now });
        const body = openCheckpoint(checkpoint?.note as string, verifierFromVkey(signer.vkey));
        expect(body).toEqual({ origin: signer.keyName, size: mirror.size, root: mirror.root(), extensions: [] });
        expect(await signing.latestCheckpoint()).toEqual(checkpoint);
      });

      it('does not sign again within the minimum interval, even when asked for the new size', async () => {
        // Prepare
        const before = await signing.latestCheckpoint();
        const entries = makeEntries(3);
        await store.append(entries);
        mirror.add(entries);
        now += 999;
        // Act
        const checkpoint = await signing.checkpoint({ covering: mirror.size });
        // Assess
        expect(checkpoint).toEqual(before);
      });

      it('signs a covering checkpoint once the minimum interval has passed', async () => {
        // Prepare
        now += 1;
        // Act
        const checkpoint = await signing.checkpoint({ covering: mirror.size });
        // Assess
        expect(checkpoint).toMatchObject({ size: mirror.size, root: mirror.root(), signedAt: now });
      });

      it('waits for the maximum interval before signing a grown tree nobody asked about', async () => {
        // Prepare
        const before = await signing.latestCheckpoint();
        const entries = makeEntries(1);
        await store.append(entries);
        mirror.add(entries);
        now += 59_999;
        // Act
        const early = await signing.checkpoint();
        now += 1;
        const due = await signing.checkpoint();
        // Assess
        expect(early).toEqual(before);
        expect(due).toMatchObject({ size: mirror.size, signedAt: now });
      });

      it('does not sign the same tree twice', async () => {
        // Prepare
        const before = await signing.latestCheckpoint();
        now += 3_600_000;
        // Act
        const checkpoint = await signing.checkpoint({ covering: mirror.size });
        // Assess
        expect(checkpoint).toEqual(before);
      });
    });

    it('passes the audit: every entry, node, the head and every checkpoint', async () => {
      // Prepare
      const executor = await fixture.openExecutor();
      // Act
      const report = await auditJournal(executor, { verifier: verifierFromVkey(signer.vkey), chunkSize: 4096 });
      // Assess
      expect(report.problem).toBeUndefined();
      expect(report).toMatchObject({ treeSize: mirror.size, entriesChecked: mirror.size, nodesChecked: mirror.nodes.size, checkpointsChecked: 3 });
    });

    it('refuses UPDATE, DELETE and TRUNCATE on every journal table to the runtime role', async () => {
      // Act
      const errors = await fixture.tryAsRole(DEFAULT_JOURNAL_ROLES.runtime, journalChanges);
      // Assess
      expect(errors.map((error) => (error as { code?: string } | undefined)?.code)).toEqual(journalChanges.map(() => '42501'));
    });

    it('refuses UPDATE, DELETE and TRUNCATE on every journal table to the owner, by trigger', async () => {
      // Act
      const errors = await fixture.tryAsRole(DEFAULT_JOURNAL_ROLES.owner, journalChanges);
      // Assess
      expect(errors.map((error) => (error as { code?: string } | undefined)?.code)).toEqual(journalChanges.map(() => 'CPA01'));
      expect(errors[0]?.message).toMatch(/UPDATE on chartproof\.journal_entries refused: the journal is append-only/);
    });

    it('applies no migration twice', async () => {
      // Act
      const applied = await migrate(await fixture.openSuperuserExecutor(), { roles: DEFAULT_JOURNAL_ROLES });
      // Assess
      expect(applied).toEqual([]);
    });
  });
});

const journalChanges = ['journal_entries', 'tree_nodes', 'checkpoints'].flatMap((table) => [
  `UPDATE chartproof.${table} SET ${table === 'journal_entries' ? 'idx = idx' : table === 'tree_nodes' ? 'level = level' : 'size = size'}`,
  `DELETE FROM chartproof.${table}`,
  `TRUNCATE chartproof.${table}`,
]);

