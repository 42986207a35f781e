/**
 * A writer process for the outbox crash test: journals record.read entries on two connections
 * until it is killed, and publishes their events right after commit through the outbox dispatcher,
 * to a bus that takes a few milliseconds per call. Prints one JSON line per event the bus accepted:
 * {"published": "<event id>"} (a line cut by the kill was not printed, so it does not count).
 *
 * Usage: ./node_modules/.bin/node test/support/outbox-writer.ts <database url>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { postgresClientExecutor } from '../../shared/adapters/postgres/executor.ts';
import { createSqlJournalStore } from '../../shared/adapters/sql/journal-store.ts';
import { SqlOutbox } from '../../shared/adapters/sql/outbox.ts';
import { OutboxDispatcher } from '../../shared/events/outbox-dispatcher.ts';
import { entryBytes } from '../../shared/ledger/entry.ts';
import { connectAsRuntime, WRITER_APPLICATION_NAME } from './journal-databases.ts';

const [url] = process.argv.slice(2);
if (url === undefined) {
  console.error('usage: outbox-writer.ts <database url>');
  process.exit(2);
}

const dispatcher = new OutboxDispatcher({
  outbox: new SqlOutbox({ executor: postgresClientExecutor(await connectAsRuntime(url, WRITER_APPLICATION_NAME)) }),
  publisher: {
    async publish(events) {
      await sleep(1 + Math.random() * 4);
      for (const event of events) process.stdout.write(`${JSON.stringify({ published: event.id })}\n`);
      return { published: events.map((event) => event.id), failed: [] };
    },
  },
  onError: (error) => console.error(`delivery failed: ${(error as Error).name}`),
});

await Promise.all(
  [0, 1].map(async (connection) => {
    const store = createSqlJournalStore({
      executor: postgresClientExecutor(await connectAsRuntime(url, WRITER_APPLICATION_NAME)),
      onJournaled: (journaled) => dispatcher.dispatch(journaled),
    });
    for (let n = 0; ; n++) {
      await store.append([
        entryBytes({
          v: 1,
          type: 'record.read',
          at: new Date().toISOString(),
          actor: { id: `dr-${connection}`, role: 'practitioner' },
          patient: 'patient-crash',
          record: { id: `record-${connection}-${n}`, version: 1, sha256: Buffer.alloc(32, n % 256).toString('base64') },
        }),
      ]);
    }
  }),
);
