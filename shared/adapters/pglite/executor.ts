/**
 * PGlite (PostgreSQL compiled to WASM, in-process) behind the SqlExecutor interface: the embedded
 * default for `npm start` and the quick tests (ARCHITECTURE.md D7).
 *
 * PGlite has exactly one session, so every task gets it in turn (a task queue), and a task never
 * waits for another one inside the database: the integration lock is always free, and every append
 * integrates in its own transaction.
 */
import { PGlite } from '@electric-sql/pglite';
import { TaskQueue, type SqlExecutor, type SqlRow, type SqlSession } from '../sql/executor.ts';

/** Wraps an open PGlite instance; `close` closes it. */
export function pgliteExecutor(db: PGlite): SqlExecutor {
  const tasks = new TaskQueue();
  const session: SqlSession = {
    async query<Row extends SqlRow>(statement: { text: string } | string, values?: readonly unknown[]) {
      const text = typeof statement === 'string' ? statement : statement.text;
      const result = await db.query<Row>(text, values === undefined ? [] : [...values]);
      return result.rows;
    },
    async script(text: string) {
      await db.exec(text);
    },
  };
  return {
    withSession: (work) =>
      tasks.run(async () => {
        try {
          return await work(session);
        } catch (error) {
          // Leave no aborted transaction behind for the next task; outside a transaction this is a no-op warning.
          await db.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    close: () => tasks.run(() => db.close()),
  };
}

/**
 * Opens PGlite on `dataDir` (a directory, created if missing), or in memory when it is undefined.
 * Durability: PGlite runs PostgreSQL with fsync off, writing through the operating system's file
 * cache; committed data survives the process being killed, not a power loss or kernel crash.
 */
export async function openPglite(dataDir: string | undefined): Promise<PGlite> {
  return PGlite.create(dataDir === undefined ? 'memory://' : dataDir);
}
