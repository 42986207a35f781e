/**
 * Versioned schema migrations, applied at startup locally and on deploy in AWS.
 *
 * Idempotent and safe to run from many processes at once: every run takes the same
 * transaction-level advisory lock, then applies, in one transaction, the migrations that
 * chartproof.schema_migrations does not list yet. A second migrator waits for the first and then
 * finds nothing to do. A migration whose text changed after it was applied is refused, because the
 * database no longer matches the code that describes it.
 *
 * Objects are created as the owner role (SET LOCAL ROLE), so they belong to it whoever connects;
 * the runtime role only gets the grants each migration gives it.
 */
import { createHash } from 'node:crypto';
import { inTransaction, quoteIdentifier, toSafeInteger, type SqlExecutor } from './executor.ts';
import { journalMigration } from './migrations/0001-journal.ts';
import type { JournalRoles } from './roles.ts';

export type Migration = {
  readonly version: number;
  readonly name: string;
  /** A script; `{{owner}}` and `{{runtime}}` stand for the quoted role names. */
  readonly sql: string;
};

/** The journal's migrations, in version order. */
export const JOURNAL_MIGRATIONS: readonly Migration[] = [journalMigration];

/** An applied migration's text differs from the code's: the schema is not what the code expects. */
export class MigrationChecksumError extends Error {
  override name = 'MigrationChecksumError';
  readonly version: number;

  constructor(version: number, got: string, want: string) {
    super(`migration ${version} was applied with checksum ${got}, the code has ${want}`);
    this.version = version;
  }
}

// pg_advisory_xact_lock(1667787381, 0): migrations; (…, 1): integration; (…, 2): checkpoint signing.
const MIGRATION_LOCK = 'SELECT pg_advisory_xact_lock(1667787381, 0)';

/**
 * Applies the pending `migrations` (default: the journal's) and returns the versions it applied.
 * Requires a session allowed to SET ROLE to `roles.owner`, and the schema `chartproof` to exist or
 * the owner to be allowed to create it (ensureJournalRoles does both).
 */
export async function migrate(
  executor: SqlExecutor,
  options: { roles: JournalRoles; migrations?: readonly Migration[] },
): Promise<number[]> {
  const { roles, migrations = JOURNAL_MIGRATIONS } = options;
  return executor.withSession((session) =>
    inTransaction(session, async () => {
      await session.query(MIGRATION_LOCK);
      await session.script(`SET LOCAL ROLE ${quoteIdentifier(roles.owner)}`);
      // IF NOT EXISTS alone still needs CREATE on the database, which the owner may lack when the schema is there.
      await session.script("DO $do$ BEGIN IF to_regnamespace('chartproof') IS NULL THEN CREATE SCHEMA chartproof; END IF; END $do$");
      await session.script(`CREATE TABLE IF NOT EXISTS chartproof.schema_migrations (
        version    integer     PRIMARY KEY,
        name       text        NOT NULL,
        checksum   text        NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const rows = await session.query<{ version: unknown; checksum: string }>('SELECT version, checksum FROM chartproof.schema_migrations');
      const applied = new Map(rows.map((row) => [toSafeInteger(row.version, 'migration version'), row.checksum]));
      const done: number[] = [];
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        const checksum = createHash('sha256').update(migration.sql).digest('hex');
        const appliedChecksum = applied.get(migration.version);
        if (appliedChecksum !== undefined) {
          if (appliedChecksum !== checksum) throw new MigrationChecksumError(migration.version, appliedChecksum, checksum);
          continue;
        }
        await session.script(
          migration.sql.replaceAll('{{owner}}', quoteIdentifier(roles.owner)).replaceAll('{{runtime}}', quoteIdentifier(roles.runtime)),
        );
        await session.query('INSERT INTO chartproof.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          checksum,
        ]);
        done.push(migration.version);
      }
      return done;
    }),
  );
}
