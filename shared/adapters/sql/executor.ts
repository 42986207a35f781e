/**
 * The little a SQL driver must offer the journal: sessions on one connection, one task at a time.
 * node-postgres (shared/adapters/postgres/) and PGlite (shared/adapters/pglite/) implement it, so
 * both run the same schema and the same statements.
 *
 * Drivers differ in how they return values; the store copes with both:
 * - bigint columns come back as string (node-postgres) or number (PGlite): read them with `toSafeInteger`;
 * - bytea columns come back as Buffer or Uint8Array: both are Uint8Array.
 */

/** A statement with a stable name, so node-postgres prepares it once per connection. */
export type SqlStatement = { readonly name: string; readonly text: string };

export type SqlRow = Record<string, unknown>;

/** One connection, used by one task at a time (whoever holds it from `withSession`). */
export interface SqlSession {
  /**
   * Runs one statement with `values` bound to $1..$n. Resolves once the server has finished it,
   * which outside a transaction block includes its commit.
   */
  query<Row extends SqlRow = SqlRow>(statement: SqlStatement | string, values?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  script(text: string): Promise<void>;
}

export interface SqlExecutor {
  /**
   * Runs `work` with exclusive use of one session. If `work` throws, the session may be in an
   * aborted transaction; the executor makes sure the next user gets a clean one (by rolling back
   * or by discarding the connection).
   */
  withSession<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Closes the connections this executor opened. */
  close(): Promise<void>;
}

/** Runs `work` inside BEGIN … COMMIT on `session`; rolls back and rethrows if it throws. */
export async function inTransaction<T>(session: SqlSession, work: () => Promise<T>): Promise<T> {
  await session.query('BEGIN');
  let value: T;
  try {
    value = await work();
  } catch (error) {
    await session.query('ROLLBACK').catch(() => undefined); // the original error is the one worth reporting
    throw error;
  }
  await session.query('COMMIT');
  return value;
}

/** A database integer (bigint as string, number or bigint) as a JavaScript safe integer. */
export function toSafeInteger(value: unknown, what: string): number {
  const number = typeof value === 'string' || typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
    throw new TypeError(`${what} is not a safe integer: ${String(value)}`);
  }
  return number;
}

/** A database bytea as a plain Uint8Array view (no copy). */
export function toBytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what} is not bytes`);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Serializes tasks: each `run` starts after the previous one has settled. Used by executors that
 * own a single connection, so that concurrent callers never interleave their statements.
 */
export class TaskQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/** Quotes a SQL identifier (a role name) for interpolation into DDL, which takes no parameters. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\u0000')) throw new RangeError('an SQL identifier must be non-empty and contain no NUL');
  return `"${name.replaceAll('"', '""')}"`;
}
