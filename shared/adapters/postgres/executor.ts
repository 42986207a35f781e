/**
 * node-postgres behind the SqlExecutor interface: one dedicated client (what a Lambda instance
 * holds), or a pool (a long-running server). Named statements are prepared once per connection.
 */
import pg from 'pg';
import { TaskQueue, type SqlExecutor, type SqlRow, type SqlSession, type SqlStatement } from '../sql/executor.ts';

function sessionOf(client: pg.ClientBase): SqlSession {
  return {
    async query<Row extends SqlRow>(statement: SqlStatement | string, values?: readonly unknown[]) {
      const config: pg.QueryConfig =
        typeof statement === 'string'
          ? { text: statement, values: values === undefined ? undefined : [...values] }
          : { name: statement.name, text: statement.text, values: values === undefined ? [] : [...values] };
      const result = await client.query<Row>(config);
      return result.rows;
    },
    async script(text: string) {
      await client.query(text); // no parameters: the simple query protocol, which runs several statements
    },
  };
}

/** One connected client, used by one task at a time; `close` ends it. */
export function postgresClientExecutor(client: pg.Client): SqlExecutor {
  const tasks = new TaskQueue();
  const session = sessionOf(client);
  return {
    withSession: (work) =>
      tasks.run(async () => {
        try {
          return await work(session);
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    close: () => tasks.run(() => client.end()),
  };
}

/** A pool: each session is a pooled client, discarded rather than reused if its task failed. `close` ends the pool. */
export function postgresPoolExecutor(pool: pg.Pool): SqlExecutor {
  return {
    async withSession(work) {
      const client = await pool.connect();
      try {
        const value = await work(sessionOf(client));
        client.release();
        return value;
      } catch (error) {
        client.release(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }
    },
    close: () => pool.end(),
  };
}
