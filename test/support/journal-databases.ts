/**
 * Journal databases for tests and benchmarks: a fresh PostgreSQL database per test file (created
 * from the superuser URL, dropped afterwards) and in-memory PGlite, behind one factory shape so the
 * same suite runs on both.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPgliteJournalStore } from '../../shared/adapters/pglite/journal.ts';
import { postgresClientExecutor } from '../../shared/adapters/postgres/executor.ts';
import type { SqlExecutor, SqlSession } from '../../shared/adapters/sql/executor.ts';
import { createSqlJournalStore, type SqlJournalStore, type SqlJournalStoreOptions } from '../../shared/adapters/sql/journal-store.ts';
import { migrate } from '../../shared/adapters/sql/migrate.ts';
import { DEFAULT_JOURNAL_ROLES, ensureJournalRoles } from '../../shared/adapters/sql/roles.ts';

export type StoreOptions = Omit<SqlJournalStoreOptions, 'executor'>;

/** Opens journal stores on one journal. Each store has its own connection (PostgreSQL) or shares the one PGlite. */
export type JournalFixture = {
  readonly name: 'PGlite' | 'PostgreSQL';
  /** The superuser URL of the journal's database (PostgreSQL only). */
  readonly url?: string;
  /** A store running as the runtime role. */
  openStore(options?: StoreOptions): Promise<SqlJournalStore>;
  /** An executor running as the runtime role (for the audit). Closed with the fixture. */
  openExecutor(): Promise<SqlExecutor>;
  /** An executor running as a superuser (for migrations). Closed with the fixture. */
  openSuperuserExecutor(): Promise<SqlExecutor>;
  /** A superuser connection to the journal's database (PostgreSQL) or the PGlite session as superuser. */
  superuserQuery<Row extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<Row[]>;
  /** Runs statements as a superuser with triggers off (session_replication_role = replica), as an attacker with full access would. */
  tamper(statements: readonly { text: string; values?: unknown[] }[]): Promise<void>;
  /** Runs statements as the given role (SET ROLE), in one session; returns the error of each, or undefined. */
  tryAsRole(role: string, statements: readonly string[]): Promise<(Error | undefined)[]>;
  close(): Promise<void>;
};

/** `url` with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const match = /^(postgres(?:ql)?:\/\/[^/]*\/)([^?]*)(.*)$/.exec(url);
  if (match === null) throw new Error(`cannot find the database name in ${url}`);
  return `${match[1]}${database}${match[3]}`;
}

/** Creates a fresh, empty database on the server of `superuserUrl`; returns its superuser URL and a drop function (which ends any session still in it). */
export async function createEmptyDatabase(superuserUrl: string, prefix = 'chartproof_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await runAsSuperuser(superuserUrl, `CREATE DATABASE ${name}`);
  return { url: withDatabase(superuserUrl, name), drop: () => runAsSuperuser(superuserUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Creates a fresh database with the journal schema (roles created if missing) and returns its superuser URL and a drop function. */
export async function createJournalDatabase(superuserUrl: string, prefix = 'chartproof_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const database = await createEmptyDatabase(superuserUrl, prefix);
  const setup = new pg.Client({ connectionString: database.url });
  await setup.connect();
  const executor = postgresClientExecutor(setup);
  try {
    await ensureJournalRoles(executor, { roles: DEFAULT_JOURNAL_ROLES });
    await migrate(executor, { roles: DEFAULT_JOURNAL_ROLES });
  } finally {
    await executor.close();
  }
  return database;
}

async function runAsSuperuser(superuserUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The application_name of the crash test's writer processes, to wait for their backends to end. */
export const WRITER_APPLICATION_NAME = 'chartproof-crash-writer';

/** A client of `url` whose queries run as the runtime role (set at connection start, like a login would). */
export async function connectAsRuntime(url: string, applicationName = 'chartproof-test'): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    options: `-c role=${DEFAULT_JOURNAL_ROLES.runtime}`,
    application_name: applicationName,
  });
  await client.connect();
  return client;
}

export async function postgresFixture(superuserUrl: string): Promise<JournalFixture> {
  const database = await createJournalDatabase(superuserUrl);
  const superuser = new pg.Client({ connectionString: database.url });
  await superuser.connect();
  const executors: SqlExecutor[] = [];
  const openExecutor = async () => {
    const executor = postgresClientExecutor(await connectAsRuntime(database.url));
    executors.push(executor);
    return executor;
  };
  return {
    name: 'PostgreSQL',
    url: database.url,
    openExecutor,
    async openSuperuserExecutor() {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const executor = postgresClientExecutor(client);
      executors.push(executor);
      return executor;
    },
    openStore: async (options) => createSqlJournalStore({ ...options, executor: await openExecutor() }),
    async superuserQuery(text, values) {
      return (await superuser.query(text, values)).rows;
    },
    async tamper(statements) {
      await superuser.query('SET session_replication_role = replica');
      try {
        for (const { text, values } of statements) await superuser.query(text, values);
      } finally {
        await superuser.query('RESET session_replication_role');
      }
    },
    async tryAsRole(role, statements) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query(`SET ROLE ${role}`);
        return await runEach(statements, (text) => client.query(text));
      } finally {
        await client.end();
      }
    },
    async close() {
      await Promise.allSettled(executors.map((executor) => executor.close()));
      await superuser.end();
      await database.drop();
    },
  };
}

export async function pgliteFixture(): Promise<JournalFixture> {
  // One PGlite database per fixture; stores share its single session.
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create('memory://');
  const { pgliteExecutor } = await import('../../shared/adapters/pglite/executor.ts');
  const executor = pgliteExecutor(db);
  await ensureJournalRoles(executor, { roles: DEFAULT_JOURNAL_ROLES });
  await migrate(executor, { roles: DEFAULT_JOURNAL_ROLES });
  const runAs = <T>(role: string | undefined, work: (session: SqlSession) => Promise<T>): Promise<T> =>
    executor.withSession(async (session) => {
      await session.script(role === undefined ? 'RESET ROLE' : `SET ROLE ${role}`);
      try {
        return await work(session);
      } finally {
        await session.script(`SET ROLE ${DEFAULT_JOURNAL_ROLES.runtime}`);
      }
    });
  await executor.withSession((session) => session.script(`SET ROLE ${DEFAULT_JOURNAL_ROLES.runtime}`));
  return {
    name: 'PGlite',
    // Stores share the one session; closing one must not close the database (the fixture does).
    openExecutor: async () => ({ withSession: executor.withSession, close: async () => undefined }),
    openSuperuserExecutor: async () => ({ withSession: (work) => runAs(undefined, work), close: async () => undefined }),
    openStore: async (options) =>
      createSqlJournalStore({ ...options, executor: { withSession: executor.withSession, close: async () => undefined } }),
    superuserQuery: (text, values) => runAs(undefined, (session) => session.query(text, values)) as never,
    tamper: (statements) =>
      runAs(undefined, async (session) => {
        await session.script('SET session_replication_role = replica');
        try {
          for (const { text, values } of statements) await session.query(text, values);
        } finally {
          await session.script('RESET session_replication_role');
        }
      }),
    tryAsRole: (role, statements) => runAs(role, (session) => runEach(statements, (text) => session.query(text))),
    close: () => executor.close(),
  };
}

/** The open-in-memory helper for tests that need a PGlite store and nothing else. */
export function openMemoryStore(options?: StoreOptions): Promise<SqlJournalStore> {
  return openPgliteJournalStore({ ...options, dataDir: undefined });
}

async function runEach(statements: readonly string[], run: (text: string) => Promise<unknown>): Promise<(Error | undefined)[]> {
  const errors: (Error | undefined)[] = [];
  for (const text of statements) {
    try {
      await run(text);
      errors.push(undefined);
    } catch (error) {
      errors.push(error as Error);
    }
  }
  return errors;
}
