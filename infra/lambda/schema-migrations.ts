/**
 * The schema-migration custom resource's handler (ARCHITECTURE.md D6 "Deploy"): on every deploy
 * whose migrations changed, connects to Aurora as the RDS-managed master user and
 * 1. creates the owner role and the runtime LOGIN role, makes the master user a member of the
 *    owner (Aurora's master user is not a superuser: PostgreSQL 16+ gives a role's creator only
 *    ADMIN on it, and migrations run under SET ROLE owner), and grants the runtime role `rds_iam`,
 *    so that it can only log in with IAM authentication tokens;
 * 2. applies the pending migrations (shared/adapters/sql/migrate.ts), which give the runtime role
 *    its limited grants (INSERT and SELECT on the journal tables).
 *
 * Delete does nothing: the schema lives as long as the (deletion-protected) cluster.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import * as z from 'zod';
import { postgresClientExecutor } from '../../shared/adapters/postgres/executor.ts';
import { quoteIdentifier, type SqlExecutor } from '../../shared/adapters/sql/executor.ts';
import { migrate, type Migration } from '../../shared/adapters/sql/migrate.ts';
import { ALL_MIGRATIONS } from '../../shared/adapters/sql/records-projection.ts';
import { DEFAULT_JOURNAL_ROLES, ensureJournalRoles, type JournalRoles } from '../../shared/adapters/sql/roles.ts';

export const SchemaMigrationsEnvSchema = z.object({
  CHARTPROOF_DB_HOST: z.string().min(1),
  CHARTPROOF_DB_PORT: z.string().regex(/^\d+$/).transform(Number),
  CHARTPROOF_DB_NAME: z.string().min(1),
  CHARTPROOF_DB_MASTER_SECRET_ARN: z.string().startsWith('arn:'),
  CHARTPROOF_DB_RUNTIME_USER: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
  AWS_REGION: z.string().min(1),
});

export type SchemaSetupOptions = {
  readonly roles: JournalRoles;
  /** The role that lets a LOGIN role authenticate with IAM tokens (`rds_iam` on RDS and Aurora). */
  readonly iamAuthRole: string;
  readonly migrations?: readonly Migration[];
};

/**
 * Creates the roles and applies the migrations; returns the versions it applied. Idempotent.
 * Requires a session whose user may create roles (CREATEROLE), e.g. Aurora's master user.
 */
export async function setUpSchema(executor: SqlExecutor, options: SchemaSetupOptions): Promise<number[]> {
  const owner = quoteIdentifier(options.roles.owner);
  const runtime = quoteIdentifier(options.roles.runtime);
  const createRole = (role: string, attributes: string) => `
    DO $do$ BEGIN
      CREATE ROLE ${role} ${attributes};
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END $do$;`;
  await executor.withSession(async (session) => {
    await session.script(createRole(owner, 'NOLOGIN'));
    await session.script(createRole(runtime, 'LOGIN'));
    await session.script(`ALTER ROLE ${runtime} LOGIN`);
    await session.script(`GRANT ${owner} TO CURRENT_USER`);
    await session.script(`GRANT ${quoteIdentifier(options.iamAuthRole)} TO ${runtime}`);
  });
  await ensureJournalRoles(executor, { roles: options.roles, runtimeLogin: true });
  return migrate(executor, { roles: options.roles, migrations: options.migrations ?? ALL_MIGRATIONS });
}

type Response = { PhysicalResourceId: string; Data?: Record<string, string> };

const PHYSICAL_ID = 'chartproof-schema';

export async function handler(event: CloudFormationCustomResourceEvent): Promise<Response> {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const env = SchemaMigrationsEnvSchema.parse(process.env);
  const secrets = new SecretsManagerClient({ region: env.AWS_REGION });
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: env.CHARTPROOF_DB_MASTER_SECRET_ARN }));
  const master = z.object({ username: z.string(), password: z.string() }).parse(JSON.parse(secret.SecretString ?? '{}'));
  const client = new pg.Client({
    host: env.CHARTPROOF_DB_HOST,
    port: env.CHARTPROOF_DB_PORT,
    database: env.CHARTPROOF_DB_NAME,
    user: master.username,
    password: master.password,
    ssl: { rejectUnauthorized: true },
    // A paused Serverless v2 cluster (min capacity 0) takes a few seconds to resume.
    connectionTimeoutMillis: 60_000,
  });
  await client.connect();
  const executor = postgresClientExecutor(client);
  try {
    const applied = await setUpSchema(executor, {
      roles: { owner: DEFAULT_JOURNAL_ROLES.owner, runtime: env.CHARTPROOF_DB_RUNTIME_USER },
      iamAuthRole: 'rds_iam',
    });
    return { PhysicalResourceId: PHYSICAL_ID, Data: { applied: applied.join(',') } };
  } finally {
    await executor.close();
  }
}
