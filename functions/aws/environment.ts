/**
 * What every AWS composition root (compose.ts and the jobs' compose-*.ts) reads from the
 * environment in the same way, kept apart from compose.ts so that a job's bundle does not carry the
 * API's whole composition (KMS, the Encryption SDK, X-Ray, the migrations) to parse four variables.
 */
import * as z from 'zod';

/** The environment is missing or malformed. The message names variables, never their values, so it may be logged. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export const required = z.string().trim().min(1, 'is required');

/** The database connection and the Powertools settings every function shares. */
export const BaseEnvSchema = z.object({
  DATABASE_URL: required.regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
  CHARTPROOF_DATABASE_IAM_AUTH: z.enum(['true', 'false']).optional(),
  CHARTPROOF_DATABASE_POOL_SIZE: z.string().regex(/^[1-9][0-9]?$/, 'must be an integer from 1 to 99').transform(Number).optional(),
  AWS_REGION: required,
  POWERTOOLS_SERVICE_NAME: z.string().trim().min(1).optional(),
  POWERTOOLS_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT']).optional(),
});

/** Validates `env` against `schema`; throws ConfigurationError naming every invalid variable. */
export function parseEnvironment<Schema extends z.ZodType>(schema: Schema, env: Record<string, string | undefined>): z.output<Schema> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigurationError(`invalid environment: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}
