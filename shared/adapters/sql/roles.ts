/**
 * The two database roles of the journal (ARCHITECTURE.md D1, "Append-only is enforced by the
 * database"):
 * - the owner owns the schema and its objects and runs migrations; the application never connects
 *   with it;
 * - the runtime role is what the application runs as: SELECT and INSERT on the journal tables,
 *   nothing more on them (the migrations grant it), so it cannot change or remove journal rows
 *   even without the append-only triggers.
 *
 * Creating roles needs a superuser (or CREATEROLE). In AWS the deploy step runs this with the
 * master user; locally and in tests the bootstrap session does. On PGlite the only session is a
 * superuser: the roles exist and the store runs under SET ROLE runtime, so privilege checks and
 * triggers apply exactly as on PostgreSQL, but code in the same process could RESET ROLE; there the
 * separation guards against mistakes, not against that process.
 */
import { quoteIdentifier, type SqlExecutor } from './executor.ts';

export type JournalRoles = { readonly owner: string; readonly runtime: string };

export const DEFAULT_JOURNAL_ROLES: JournalRoles = { owner: 'chartproof_owner', runtime: 'chartproof_runtime' };

/**
 * Creates the owner and runtime roles (NOLOGIN, unless `runtimeLogin` asks for a LOGIN runtime role)
 * and the `chartproof` schema owned by the owner, if missing. Idempotent and safe to run
 * concurrently (roles are per cluster, so test databases share them). The connected user must be
 * allowed to create roles and must be able to SET ROLE to the owner (a superuser can).
 */
export async function ensureJournalRoles(
  executor: SqlExecutor,
  options: { roles: JournalRoles; runtimeLogin?: boolean },
): Promise<void> {
  const owner = quoteIdentifier(options.roles.owner);
  const runtime = quoteIdentifier(options.roles.runtime);
  const createRole = (role: string, attributes: string) => `
    DO $do$ BEGIN
      CREATE ROLE ${role} ${attributes};
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created before, or by a concurrent bootstrap
    END $do$;`;
  await executor.withSession(async (session) => {
    await session.script(createRole(owner, 'NOLOGIN'));
    await session.script(createRole(runtime, options.runtimeLogin === true ? 'LOGIN' : 'NOLOGIN'));
    await session.script(`
      DO $do$ BEGIN
        CREATE SCHEMA IF NOT EXISTS chartproof AUTHORIZATION ${owner};
      EXCEPTION WHEN duplicate_schema OR unique_violation THEN
        NULL;
      END $do$;`);
  });
}
