/**
 * The schema-migration custom resource's work (infra/lambda/schema-migrations.ts) on PostgreSQL,
 * run as Aurora runs it: by a master user that may create roles but is not a superuser, in a
 * database it owns, with an IAM-authentication role to hand out.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUpSchema } from '../../infra/lambda/schema-migrations.ts';
import { postgresClientExecutor } from '../../shared/adapters/postgres/executor.ts';
import type { SqlExecutor } from '../../shared/adapters/sql/executor.ts';
import { ALL_MIGRATIONS } from '../../shared/adapters/sql/records-projection.ts';
import { withDatabase } from '../support/journal-databases.ts';
import { testDatabaseUrl } from '../support/services.ts';

const superuserUrl = testDatabaseUrl();

describe.skipIf(!superuserUrl)('schema set-up by a non-superuser master user', () => {
  const suffix = randomBytes(4).toString('hex');
  const names = {
    database: `chartproof_infra_${suffix}`,
    master: `test_master_${suffix}`,
    iamAuth: `test_rds_iam_${suffix}`,
    owner: `test_owner_${suffix}`,
    runtime: `test_runtime_${suffix}`,
  };
  const roles = { owner: names.owner, runtime: names.runtime };
  let admin: pg.Client;
  /** A superuser session in the test database, to inspect what the master user did. */
  let inspector: pg.Client;
  let master: pg.Client;
  let executor: SqlExecutor;
  let firstRun: number[];
  let secondRun: number[];

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: superuserUrl });
    await admin.connect();
    // What RDS sets up: a master user with CREATEROLE and CREATEDB (not SUPERUSER) owning the
    // default database, and rds_iam, which it may grant.
    await admin.query(`CREATE ROLE ${names.master} LOGIN CREATEROLE CREATEDB`);
    await admin.query(`CREATE ROLE ${names.iamAuth} NOLOGIN`);
    await admin.query(`GRANT ${names.iamAuth} TO ${names.master} WITH ADMIN OPTION`);
    await admin.query(`CREATE DATABASE ${names.database} OWNER ${names.master}`);

    master = new pg.Client({ connectionString: withDatabase(superuserUrl ?? '', names.database) });
    await master.connect();
    await master.query(`SET SESSION AUTHORIZATION ${names.master}`);
    executor = postgresClientExecutor(master);
    firstRun = await setUpSchema(executor, { roles, iamAuthRole: names.iamAuth });
    secondRun = await setUpSchema(executor, { roles, iamAuthRole: names.iamAuth });
    inspector = new pg.Client({ connectionString: withDatabase(superuserUrl ?? '', names.database) });
    await inspector.connect();
  });

  afterAll(async () => {
    await executor?.close();
    await inspector?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${names.database} WITH (FORCE)`);
    for (const role of [names.runtime, names.owner, names.master, names.iamAuth]) await admin?.query(`DROP ROLE IF EXISTS ${role}`);
    await admin?.end();
  });

  it('applies every migration on the first deploy', () => {
    expect(firstRun).toEqual(ALL_MIGRATIONS.map((migration) => migration.version).sort((a, b) => a - b));
  });

  it('applies nothing on a deploy whose migrations did not change', () => {
    expect(secondRun).toEqual([]);
  });

  it('makes the runtime role a login that authenticates through the IAM role, and nothing more', async () => {
    // Act
    const { rows } = await admin.query<{ rolcanlogin: boolean; rolsuper: boolean; rolcreaterole: boolean; iam: boolean }>(
      `SELECT rolcanlogin, rolsuper, rolcreaterole, pg_has_role($1, $2, 'MEMBER') AS iam FROM pg_roles WHERE rolname = $1`,
      [names.runtime, names.iamAuth],
    );

    // Assess
    expect(rows).toEqual([{ rolcanlogin: true, rolsuper: false, rolcreaterole: false, iam: true }]);
  });

  it('gives the runtime role INSERT and SELECT on the journal, never UPDATE or DELETE', async () => {
    // Act
    const { rows } = await inspector.query<{ privilege: string; granted: boolean }>(
      `SELECT privilege, has_table_privilege($1, 'chartproof.journal_entries', privilege) AS granted
         FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS privilege`,
      [names.runtime],
    );

    // Assess
    expect(Object.fromEntries(rows.map((row) => [row.privilege, row.granted]))).toEqual({ SELECT: true, INSERT: true, UPDATE: false, DELETE: false, TRUNCATE: false });
  });

  it('leaves the schema owned by the owner role, not by the master user', async () => {
    // Act
    const { rows } = await inspector.query<{ owner: string }>(`SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = 'chartproof'`);

    // Assess
    expect(rows).toEqual([{ owner: names.owner }]);
  });
});
