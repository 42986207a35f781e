/**
 * A journal writer process for the crash test: appends until it is killed, on several
 * connections at once, and prints one JSON line per acknowledged entry to stdout the moment its
 * receipt arrives: {"index", "leafHash" (base64), "entry" (the entry text)}.
 * Half of the appends go through `transact` with a projection row (chartproof.crash_projection),
 * half through `append`.
 *
 * Usage: ./node_modules/.bin/node test/support/journal-writer.ts <database url> <connections> <run label>
 */
import { postgresClientExecutor } from '../../shared/adapters/postgres/executor.ts';
import { createSqlJournalStore } from '../../shared/adapters/sql/journal-store.ts';
import type { EntryReceipt } from '../../shared/ports/journal-store.ts';
import { connectAsRuntime, WRITER_APPLICATION_NAME } from './journal-databases.ts';

const [url, connectionsText, label] = process.argv.slice(2);
if (url === undefined || connectionsText === undefined || label === undefined) {
  console.error('usage: journal-writer.ts <database url> <connections> <run label>');
  process.exit(2);
}

function acknowledge(entry: Buffer, receipt: EntryReceipt): void {
  process.stdout.write(
    `${JSON.stringify({ index: receipt.index, leafHash: Buffer.from(receipt.leafHash).toString('base64'), entry: entry.toString() })}\n`,
  );
}

await Promise.all(
  Array.from({ length: Number(connectionsText) }, async (_, connection) => {
    const store = createSqlJournalStore({ executor: postgresClientExecutor(await connectAsRuntime(url, WRITER_APPLICATION_NAME)) });
    for (let n = 0; ; n++) {
      const entry = Buffer.from(JSON.stringify({ run: label, connection, n }));
      if (n % 2 === 0) {
        const [receipt] = await store.append([entry]);
        acknowledge(entry, receipt as EntryReceipt);
      } else {
        const { receipts } = await store.transact(async (tx) => {
          await tx.query('INSERT INTO chartproof.crash_projection (entry) VALUES ($1)', [entry.toString()]);
          tx.append([entry]);
        });
        acknowledge(entry, receipts[0] as EntryReceipt);
      }
    }
  }),
);
