/**
 * Group commit under load (PostgreSQL): 64 writers, each on its own connection as separate Lambda
 * instances would be, append 2,000 entries each, one at a time, while sampling proofs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leafHash } from '../../shared/ledger/hashing.ts';
import { verifyConsistency, verifyInclusion } from '../../shared/ledger/verify.ts';
import type { EntryReceipt, TreeHead } from '../../shared/ports/journal-store.ts';
import { auditJournal } from '../../shared/adapters/sql/audit.ts';
import { postgresFixture, type JournalFixture } from '../support/journal-databases.ts';
import { testDatabaseUrl } from '../support/services.ts';

const url = testDatabaseUrl();
const WRITERS = 64;
const ENTRIES_PER_WRITER = 2_000;
const SAMPLE_EVERY = 200;

type Written = { entry: Uint8Array; receipt: EntryReceipt };
type Sample = { kind: 'inclusion' | 'consistency'; error?: string };

describe.skipIf(url === undefined)('64 concurrent writers on PostgreSQL', () => {
  let fixture: JournalFixture;
  const written: Written[] = [];
  const samples: Sample[] = [];
  let finalHead: TreeHead;

  beforeAll(async () => {
    fixture = await postgresFixture(url as string);
    const stores = await Promise.all(Array.from({ length: WRITERS }, () => fixture.openStore()));
    await Promise.all(
      stores.map(async (store, writer) => {
        let previous: TreeHead | undefined;
        for (let n = 0; n < ENTRIES_PER_WRITER; n++) {
          const entry = Buffer.from(JSON.stringify({ writer, n, pad: 'x'.repeat(200) }));
          const [receipt] = await store.append([entry]);
          written.push({ entry, receipt: receipt as EntryReceipt });
          if (n % SAMPLE_EVERY === SAMPLE_EVERY - 1) {
            // Proofs served while everyone else keeps appending.
            const head = await store.treeHead();
            const mine = written.filter((item) => item.receipt.index < head.size);
            const target = mine[Math.floor(Math.random() * mine.length)] as Written;
            samples.push(await sample('inclusion', async () => {
              const proof = await store.inclusionProof(target.receipt.index, head.size);
              verifyInclusion(target.receipt.index, head.size, target.receipt.leafHash, proof, head.root);
            }));
            if (previous !== undefined && previous.size > 0) {
              const before = previous;
              samples.push(await sample('consistency', async () => {
                const proof = await store.consistencyProof(before.size, head.size);
                verifyConsistency(before.size, head.size, proof, before.root, head.root);
              }));
            }
            previous = head;
          }
        }
      }),
    );
    finalHead = await stores[0]!.treeHead();
  }, 600_000);

  afterAll(async () => {
    await fixture?.close();
  });

  it('journals every entry exactly once, at dense indexes', async () => {
    // Act
    const [stats] = await fixture.superuserQuery<{ count: string; min: string; max: string }>(
      'SELECT count(*), min(idx), max(idx) FROM chartproof.journal_entries',
    );
    // Assess
    const total = WRITERS * ENTRIES_PER_WRITER;
    expect(stats).toEqual({ count: String(total), min: '0', max: String(total - 1) });
    expect(finalHead.size).toBe(total);
    expect(new Set(written.map((item) => item.receipt.index)).size).toBe(total);
  });

  it('gives receipts that match the stored entries', async () => {
    // Prepare
    const rows = await fixture.superuserQuery<{ idx: string; entry: Uint8Array }>('SELECT idx, entry FROM chartproof.journal_entries');
    const stored = new Map(rows.map((row) => [Number(row.idx), Buffer.from(row.entry)]));
    // Act
    const mismatches = written.filter(({ entry, receipt }) => {
      const bytes = stored.get(receipt.index);
      return bytes === undefined || !bytes.equals(entry) || !Buffer.from(leafHash(bytes)).equals(Buffer.from(receipt.leafHash));
    });
    // Assess
    expect(mismatches).toEqual([]);
    expect(written.every(({ receipt }) => receipt.index < receipt.treeSize && receipt.treeSize <= finalHead.size)).toBe(true);
  });

  it('served inclusion and consistency proofs that all verify while the journal grew', () => {
    // Assess
    expect(samples.filter((item) => item.error !== undefined)).toEqual([]);
    expect(samples.filter((item) => item.kind === 'inclusion')).toHaveLength((WRITERS * ENTRIES_PER_WRITER) / SAMPLE_EVERY);
    expect(samples.filter((item) => item.kind === 'consistency').length).toBeGreaterThan(WRITERS);
  });

  it('passes the audit', async () => {
    // Act
    const report = await auditJournal(await fixture.openExecutor());
    // Assess
    expect(report.problem).toBeUndefined();
    expect(report.entriesChecked).toBe(WRITERS * ENTRIES_PER_WRITER);
  });
});

async function sample(kind: Sample['kind'], check: () => Promise<void>): Promise<Sample> {
  try {
    await check();
    return { kind };
  } catch (error) {
    return { kind, error: String(error) };
  }
}

