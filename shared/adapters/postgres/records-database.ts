/**
 * The records API's database on PostgreSQL: the journal and the projections over a connection pool
 * whose sessions run as the runtime role.
 */
import pg from 'pg';
import { createSqlJournalStore, type SqlJournalStoreOptions } from '../sql/journal-store.ts';
import { migrate } from '../sql/migrate.ts';
import { ALL_MIGRATIONS, createSqlRecordsProjection } from '../sql/records-projection.ts';
import { DEFAULT_JOURNAL_ROLES, ensureJournalRoles } from '../sql/roles.ts';
import type { RecordsDatabase } from '../pglite/records-database.ts';
import { postgresClientExecutor, postgresPoolExecutor } from './executor.ts';

export type PostgresRecordsDatabaseOptions = Omit<SqlJournalStoreOptions, 'executor'> & {
  /** A node-postgres connection string. */
  readonly url: string;
  /**
   * Create the roles and apply the migrations first (needs a user that may create roles and SET
   * ROLE to the owner: a superuser locally; in AWS the deploy step migrates instead).
   */
  readonly migrate: boolean;
  /**
   * Run every pooled session as this role (SET ROLE at connection start), for a login user that is
   * a member of it, such as the local superuser. Undefined: run as the login user itself.
   */
  readonly runtimeRole: string | undefined;
  /** Pool size; default 10. */
  readonly maxConnections?: number;
  /**
   * The password of each new pooled connection, asked for every time one is opened (IAM auth
   * tokens expire, see iam-auth-token.ts). Default: whatever the URL says.
   */
  readonly password?: () => Promise<string>;
  /** Told when an idle pooled connection fails (it is replaced); default: ignored. */
  readonly onIdleConnectionError?: (error: Error) => void;
};

export async function openPostgresRecordsDatabase(options: PostgresRecordsDatabaseOptions): Promise<RecordsDatabase> {
  const { url, runtimeRole, maxConnections = 10, migrate: shouldMigrate, password, onIdleConnectionError: _onIdleConnectionError, ...storeOptions } = options;
  if (shouldMigrate) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const bootstrap = postgresClientExecutor(client);
    try {
      await ensureJournalRoles(bootstrap, { roles: DEFAULT_JOURNAL_ROLES });
      await migrate(bootstrap, { roles: DEFAULT_JOURNAL_ROLES, migrations: ALL_MIGRATIONS });
    } finally {
      await bootstrap.close();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: maxConnections,
    ...(password === undefined ? {} : { password }),
    ...(runtimeRole === undefined ? {} : { options: `-c role=${runtimeRole}` }),
  });
  // An idle pooled connection can fail at any time (a database restart, an administrator ending
  // it); the pool drops it and opens another when needed. Without a listener, node-postgres would
  // raise the error as an uncaught exception and end the process.
  pool.on('error', (error) => options.onIdleConnectionError?.(error));
  const executor = postgresPoolExecutor(pool);
  const journal = createSqlJournalStore({ ...storeOptions, executor });
  return { journal, projection: createSqlRecordsProjection({ journal, executor }), executor, close: () => journal.close() };
}
