/**
 * SqlJournalStore.transactOne: a projection row and its entries in one statement, on PGlite and
 * PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlJournalStore } from '../../shared/adapters/sql/journal-store.ts';
import { DEFAULT_JOURNAL_ROLES } from '../../shared/adapters/sql/roles.ts';
import { pgliteFixture, postgresFixture, type JournalFixture } from '../support/journal-databases.ts';
import { testDatabaseUrl } from '../support/services.ts';

const url = testDatabaseUrl();
const backends = [
  { name: 'PGlite', open: () => pgliteFixture(), skip: false },
  { name: 'PostgreSQL', open: () => postgresFixture(url as string), skip: url === undefined },
];
const insertNote = { name: 'test_insert_note', text: 'INSERT INTO chartproof.test_notes (id, note) VALUES ($1::integer, $2::text) RETURNING id, note' };
const bytes = (text: string) => new TextEncoder().encode(text);

describe.each(backends)('transactOne on $name', ({ open, skip }) => {
  describe.skipIf(skip)('one statement for a row and its entries', () => {
    let fixture: JournalFixture;
    let store: SqlJournalStore;

    beforeAll(async () => {
      fixture = await open();
      store = await fixture.openStore();
      await fixture.superuserQuery('CREATE TABLE chartproof.test_notes (id integer PRIMARY KEY, note text NOT NULL)');
      await fixture.superuserQuery(`GRANT SELECT, INSERT ON chartproof.test_notes TO ${DEFAULT_JOURNAL_ROLES.runtime}`);
    });

    afterAll(async () => {
      await fixture?.close();
    });

    it("returns the statement's row and receipts for entries the journal holds", async () => {
      const { value, receipts } = await store.transactOne({ statement: insertNote, values: [1, 'first'] }, [bytes('entry one'), bytes('entry two')]);

      const stored = await Promise.all(receipts.map(async (receipt) => new TextDecoder().decode((await store.entry(receipt.index)).entry)));
      expect([value, stored]).toEqual([{ id: 1, note: 'first' }, ['entry one', 'entry two']]);
    });

    it('journals nothing when the statement fails', async () => {
      await store.transactOne({ statement: insertNote, values: [2, 'second'] }, [bytes('entry for 2')]);
      const before = await store.treeHead();

      const failed = await store.transactOne({ statement: insertNote, values: [2, 'again'] }, [bytes('duplicate')]).then(
        () => undefined,
        (error: unknown) => error,
      );

      expect([failed instanceof Error, (await store.treeHead()).size]).toEqual([true, before.size]);
    });

    it('gives 32 concurrent callers distinct receipts and rows', async () => {
      const results = await Promise.all(Array.from({ length: 32 }, (_, n) => store.transactOne({ statement: insertNote, values: [100 + n, `n${n}`] }, [bytes(`entry ${n}`)])));

      const indexes = new Set(results.map(({ receipts }) => receipts[0]?.index));
      expect([indexes.size, results.map(({ value }) => value.id)]).toEqual([32, Array.from({ length: 32 }, (_, n) => 100 + n)]);
    });
  });
});
