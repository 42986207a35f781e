/**
 * The SQL outbox (migrations/0030-outbox.ts, shared/adapters/sql/outbox.ts) on PGlite and on
 * PostgreSQL 15: an item exists exactly for each committed entry, claims lease, failures back off,
 * publication is counted, and published items are pruned.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../shared/adapters/sql/migrate.ts';
import { SqlOutbox } from '../../shared/adapters/sql/outbox.ts';
import type { SqlJournalStore } from '../../shared/adapters/sql/journal-store.ts';
import { ALL_MIGRATIONS } from '../../shared/adapters/sql/records-projection.ts';
import { DEFAULT_JOURNAL_ROLES } from '../../shared/adapters/sql/roles.ts';
import { pgliteFixture, postgresFixture, type JournalFixture } from '../support/journal-databases.ts';
import { testDatabaseUrl } from '../support/services.ts';
import { readEntry } from './fixtures.ts';

const url = testDatabaseUrl();

const backends = [
  { name: 'PGlite', open: () => pgliteFixture(), skip: false },
  { name: 'PostgreSQL 15', open: () => postgresFixture(url as string), skip: url === undefined },
];

describe.each(backends)('the SQL outbox on $name', ({ open, skip }) => {
  describe.skipIf(skip)('contract', () => {
    let fixture: JournalFixture;
    let store: SqlJournalStore;
    let outbox: SqlOutbox;
    const rows = () => fixture.superuserQuery<{ idx: string | number; attempts: number; published_at: Date | null; publications: number; last_error: string | null }>(
      'SELECT idx, attempts, published_at, publications, last_error FROM chartproof.event_outbox ORDER BY idx',
    );

    beforeAll(async () => {
      fixture = await open();
      const superuser = await fixture.openSuperuserExecutor();
      await migrate(superuser, { roles: DEFAULT_JOURNAL_ROLES, migrations: ALL_MIGRATIONS });
      store = await fixture.openStore();
      outbox = new SqlOutbox({ executor: await fixture.openExecutor() });
    });

    afterAll(async () => {
      await store?.close();
      await fixture?.close();
    });

    it('creates one item per committed entry, in the transaction that journals it, and none for a rolled-back one', async () => {
      const receipts = await store.append([readEntry(), readEntry(), readEntry()]);
      await expect(
        store.transact(async (tx) => {
          tx.append([readEntry()]);
          throw new Error('the unit of work fails');
        }),
      ).rejects.toThrow('the unit of work fails');
      const transacted = await store.transact(async (tx) => tx.append([readEntry()]));
      const indexes = (await rows()).map((row) => Number(row.idx));
      expect(indexes).toEqual([...receipts, ...transacted.receipts].map((receipt) => receipt.index));
      expect((await store.treeHead()).size).toBe(4);
    });

    it('leaves fresh items to their writer for the grace period, then hands each to one claim at a time', async () => {
      expect(await outbox.claimDue({ limit: 10, leaseMs: 60_000, freshGraceMs: 60_000 })).toEqual([]);
      const claimed = await outbox.claimDue({ limit: 3, leaseMs: 60_000, freshGraceMs: 0 });
      expect(claimed.map((item) => item.index)).toEqual([0, 1, 2]);
      const stored = await store.entry(1);
      expect(Buffer.from(claimed[1]!.entry).equals(Buffer.from(stored.entry))).toBe(true);
      expect(claimed.every((item) => item.attempts === 0)).toBe(true);
      // Leased: a second claim gets only what is left.
      expect((await outbox.claimDue({ limit: 10, leaseMs: 60_000, freshGraceMs: 0 })).map((item) => item.index)).toEqual([3]);
      expect(await outbox.claimDue({ limit: 10, leaseMs: 60_000, freshGraceMs: 0 })).toEqual([]);
    });

    it('backs off a failed item and hands it out again when its delay has passed', async () => {
      await outbox.markFailed([{ index: 0, retryInMs: 0, reason: 'ThrottlingException' }, { index: 1, retryInMs: 60_000, reason: 'InternalFailure' }]);
      await sleep(5);
      const again = await outbox.claimDue({ limit: 10, leaseMs: 60_000, freshGraceMs: 60_000 });
      expect(again.map((item) => [item.index, item.attempts])).toEqual([[0, 1]]);
      const byIndex = new Map((await rows()).map((row) => [Number(row.idx), row]));
      expect(byIndex.get(1)?.attempts).toBe(1);
      expect(byIndex.get(1)?.last_error).toBe('InternalFailure');
    });

    it('marks items published once, counts a duplicate publication, and never hands a published item out again', async () => {
      await outbox.markPublished([0, 1, 2, 3]);
      await outbox.markPublished([2]);
      await outbox.markFailed([{ index: 3, retryInMs: 0, reason: 'late failure report' }]);
      const after = await rows();
      expect(after.map((row) => [Number(row.idx), row.publications, row.published_at !== null, row.last_error])).toEqual([
        [0, 1, true, null],
        [1, 1, true, null],
        [2, 2, true, null],
        [3, 1, true, null],
      ]);
      await sleep(5);
      expect(await outbox.claimDue({ limit: 10, leaseMs: 0, freshGraceMs: 0 })).toEqual([]);
    });

    it('prunes published items older than the retention, and only those', async () => {
      const [fresh] = await store.append([readEntry()]);
      expect(await outbox.prunePublished({ olderThanMs: 3_600_000, limit: 100 })).toBe(0);
      await sleep(5);
      expect(await outbox.prunePublished({ olderThanMs: 1, limit: 3 })).toBe(3);
      expect(await outbox.prunePublished({ olderThanMs: 1, limit: 100 })).toBe(1);
      expect((await rows()).map((row) => Number(row.idx))).toEqual([fresh!.index]);
    });
  });
});
