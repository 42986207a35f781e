/**
 * A node-postgres pool behind SqlExecutor, for a composition root that needs the database but not
 * the journal (the notifier): the same pool settings records-database.ts uses, nothing more.
 */
import pg from 'pg';
import type { SqlExecutor } from '../sql/executor.ts';
import { postgresPoolExecutor } from './executor.ts';

export type PostgresPoolOptions = {
  /** A node-postgres connection string. */
  readonly url: string;
  readonly maxConnections: number;
  /** The password of each new connection, asked for every time one is opened (IAM auth tokens expire). */
  readonly password?: () => Promise<string>;
  /** Told when an idle pooled connection fails (the pool replaces it); default: ignored. */
  readonly onIdleConnectionError?: (error: Error) => void;
};

export function openPostgresPool(options: PostgresPoolOptions): SqlExecutor {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections,
    ...(options.password === undefined ? {} : { password: options.password }),
  });
  // Without a listener, node-postgres raises an idle connection's error as an uncaught exception
  // and ends the process.
  pool.on('error', (error) => options.onIdleConnectionError?.(error));
  return postgresPoolExecutor(pool);
}
