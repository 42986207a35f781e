/** The SqlNotificationStore contract (notification-store-contract.ts) on PostgreSQL: a fresh database per test, two connection pools. */
import pg from 'pg';
import { openPostgresRecordsDatabase } from '../../shared/adapters/postgres/records-database.ts';
import { postgresPoolExecutor } from '../../shared/adapters/postgres/executor.ts';
import { DEFAULT_JOURNAL_ROLES } from '../../shared/adapters/sql/roles.ts';
import { testSigner } from '../ledger/test-signer.ts';
import { createEmptyDatabase } from '../support/journal-databases.ts';
import { testDatabaseUrl } from '../support/services.ts';
import { describeNotificationStore } from './notification-store-contract.ts';

const superuserUrl = testDatabaseUrl();

describeNotificationStore('notification store on PostgreSQL', {
  skip: superuserUrl === undefined,
  async open() {
    const { url, drop } = await createEmptyDatabase(superuserUrl ?? '', 'chartproof_notify');
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
        await drop();
      },
    };
  },
});
