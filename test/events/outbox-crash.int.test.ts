/**
 * A kill -9 between commit and publish loses nothing (issue #6 acceptance 3), on PostgreSQL: a
 * writer process journals and publishes after commit until it is killed, several times at random
 * moments. Afterwards the relay publishes every event the writer did not, so each committed entry's
 * event has been published (by the writer or the relay), and the outbox marks every one published.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../shared/adapters/sql/migrate.ts';
import { SqlOutbox } from '../../shared/adapters/sql/outbox.ts';
import { ALL_MIGRATIONS } from '../../shared/adapters/sql/records-projection.ts';
import { DEFAULT_JOURNAL_ROLES } from '../../shared/adapters/sql/roles.ts';
import { eventFromEntry } from '../../shared/events/event-from-entry.ts';
import { relayOutbox } from '../../shared/events/outbox-relay.ts';
import { postgresFixture, WRITER_APPLICATION_NAME, type JournalFixture } from '../support/journal-databases.ts';
import { runAndKill } from '../support/run-and-kill.ts';
import { testDatabaseUrl } from '../support/services.ts';

const url = testDatabaseUrl();
const KILLS = 6;
const writer = fileURLToPath(new URL('../support/outbox-writer.ts', import.meta.url));

describe.skipIf(url === undefined)('the outbox when its writer is killed between commit and publish', () => {
  let fixture: JournalFixture;
  const publishedByWriters = new Set<string>();

  beforeAll(async () => {
    fixture = await postgresFixture(url as string);
    await migrate(await fixture.openSuperuserExecutor(), { roles: DEFAULT_JOURNAL_ROLES, migrations: ALL_MIGRATIONS });
    for (let run = 0; run < KILLS; run++) {
      const lines = await runAndKill(writer, [fixture.url as string], 100 + Math.random() * 400);
      for (const line of lines) publishedByWriters.add((JSON.parse(line) as { published: string }).published);
    }
    // A killed client's backends finish their statement (a commit) before they notice.
    for (let waited = 0; waited < 100; waited++) {
      const [row] = await fixture.superuserQuery<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [WRITER_APPLICATION_NAME]);
      if (row?.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 120_000);

  afterAll(async () => {
    await fixture?.close();
  });

  it('publishes, through the relay, every committed event the killed writers did not', async () => {
    const [{ n: size } = { n: 0 }] = await fixture.superuserQuery<{ n: number }>('SELECT size::int AS n FROM chartproof.journal_head');
    const [{ n: unpublishedBefore } = { n: 0 }] = await fixture.superuserQuery<{ n: number }>('SELECT count(*)::int AS n FROM chartproof.event_outbox WHERE published_at IS NULL');
    expect(size).toBeGreaterThan(0);
    expect(publishedByWriters.size).toBeGreaterThan(0);
    expect(unpublishedBefore).toBeGreaterThan(0); // the kills did land between commit and publish

    const publishedByRelay = new Set<string>();
    const outbox = new SqlOutbox({ executor: await fixture.openExecutor() });
    const publisher = {
      publish: async (events: readonly { id: string }[]) => {
        for (const event of events) publishedByRelay.add(event.id);
        return { published: events.map((event) => event.id), failed: [] };
      },
    };
    // The writers' leases and grace periods are over at once here: freshGraceMs 0, and items claimed by a dead writer were never leased.
    const run = await relayOutbox({ outbox, publisher, settings: { freshGraceMs: 0, maxBatches: 1_000 } });
    expect(run.published).toBe(unpublishedBefore);

    const entries = await fixture.superuserQuery<{ idx: string; entry: Uint8Array }>('SELECT idx, entry FROM chartproof.journal_entries ORDER BY idx');
    const missing = entries.map((row) => eventFromEntry(Number(row.idx), row.entry).id).filter((id) => !publishedByWriters.has(id) && !publishedByRelay.has(id));
    expect([entries.length, missing]).toEqual([size, []]);
    const states = await fixture.superuserQuery<{ unpublished: number; items: number }>(
      'SELECT count(*) FILTER (WHERE published_at IS NULL)::int AS unpublished, count(*)::int AS items FROM chartproof.event_outbox',
    );
    expect(states).toEqual([{ unpublished: 0, items: size }]);
  });
});
