/**
 * The records API's database on PGlite (embedded default): the journal and the projections in one
 * in-process PostgreSQL, migrated on open, used as the runtime role (see ../sql/roles.ts for what
 * that separation means inside one process).
 */
import { quoteIdentifier, type SqlExecutor } from '../sql/executor.ts';
import { createSqlJournalStore, type SqlJournalStore, type SqlJournalStoreOptions } from '../sql/journal-store.ts';
import { migrate } from '../sql/migrate.ts';
import { ALL_MIGRATIONS, createSqlRecordsProjection } from '../sql/records-projection.ts';
import { DEFAULT_JOURNAL_ROLES, ensureJournalRoles } from '../sql/roles.ts';
import type { RecordsProjection } from '../../ports/records-projection.ts';
import { openPglite, pgliteExecutor } from './executor.ts';

export type RecordsDatabase = {
  readonly journal: SqlJournalStore;
  readonly projection: RecordsProjection;
  readonly executor: SqlExecutor;
  /** Closes the database. */
  close(): Promise<void>;
};

/** Opens PGlite on `dataDir` (undefined: in memory), applies every migration and returns the stores. */
export async function openPgliteRecordsDatabase(
  options: Omit<SqlJournalStoreOptions, 'executor'> & { readonly dataDir: string | undefined },
): Promise<RecordsDatabase> {
  const { dataDir, ...storeOptions } = options;
  const roles = DEFAULT_JOURNAL_ROLES;
  const executor = pgliteExecutor(await openPglite(dataDir));
  try {
    await ensureJournalRoles(executor, { roles });
    await migrate(executor, { roles, migrations: ALL_MIGRATIONS });
    await executor.withSession((session) => session.script(`SET ROLE ${quoteIdentifier(roles.runtime)}`));
  } catch (error) {
    await executor.close();
    throw error;
  }
  const journal = createSqlJournalStore({ ...storeOptions, executor });
  return { journal, projection: createSqlRecordsProjection({ journal, executor }), executor, close: () => journal.close() };
}
