/**
 * The journal on PGlite: the embedded default (`npm start`, quick tests). Opening it creates the
 * roles and applies the migrations, then runs the store as the runtime role (see
 * ../sql/roles.ts for what the role separation means inside one process).
 */
import { quoteIdentifier } from '../sql/executor.ts';
import { createSqlJournalStore, type SqlJournalStore, type SqlJournalStoreOptions } from '../sql/journal-store.ts';
import { migrate } from '../sql/migrate.ts';
import { DEFAULT_JOURNAL_ROLES, ensureJournalRoles, type JournalRoles } from '../sql/roles.ts';
import { openPglite, pgliteExecutor } from './executor.ts';

export type PgliteJournalOptions = Omit<SqlJournalStoreOptions, 'executor'> & {
  /** The data directory (created if missing); undefined keeps the database in memory. */
  readonly dataDir: string | undefined;
  readonly roles?: JournalRoles;
};

/** Opens (and migrates) the journal on PGlite. Close the store to close the database. */
export async function openPgliteJournalStore(options: PgliteJournalOptions): Promise<SqlJournalStore> {
  const { dataDir, roles = DEFAULT_JOURNAL_ROLES, ...storeOptions } = options;
  const executor = pgliteExecutor(await openPglite(dataDir));
  try {
    await ensureJournalRoles(executor, { roles });
    await migrate(executor, { roles });
    await executor.withSession((session) => session.script(`SET ROLE ${quoteIdentifier(roles.runtime)}`));
  } catch (error) {
    await executor.close();
    throw error;
  }
  return createSqlJournalStore({ ...storeOptions, executor });
}
