/** The SqlNotificationStore contract (notification-store-contract.ts) on PostgreSQL: a fresh database per test, two connection pools. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresRecordsDatabase } from '../../shared/adapters/postgres/records-database.ts';
import { postgresPoolExecutor } from '../../shared/adapters/postgres/executor.ts';
import { DEFAULT_JOURNAL_ROLES } from '../../shared/adapters/sql/roles.ts';
import { testSigner } from '../ledger/test-signer.ts';
import { withDatabase } from '../support/journal-databases.ts';
import { testDatabaseUrl } from '../support/services.ts';
import { describeNotificationStore } from './notification-store-contract.ts';

const superuserUrl = testDatabaseUrl();

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describeNotificationStore('notification store on PostgreSQL', {
  skip: superuserUrl === undefined,
  async open() {
    const name = `chartproof_notify_${randomBytes(6).toString('hex')}`;
    await admin(`CREATE DATABASE ${name}`);
    const url = withDatabase(superuserUrl ?? '', name);
    const database = await openPostgresRecordsDatabase({ url, migrate: true, runtimeRole: DEFAULT_JOURNAL_ROLES.runtime, maxConnections: 4, signer: testSigner() });
    const otherPool = new pg.Pool({ connectionString: url, max: 2, options: `-c role=${DEFAULT_JOURNAL_ROLES.runtime}` });
    // The forced DROP below may still find a connection of this pool closing; without a listener,
    // its "terminating connection" error would be an uncaught exception (the product's pools have one).
    otherPool.on('error', () => undefined);
    const otherExecutor = postgresPoolExecutor(otherPool);
    return {
      executor: database.executor,
      otherExecutor,
      async close() {
        await Promise.allSettled([database.close(), otherExecutor.close()]);
        await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    };
  },
});
