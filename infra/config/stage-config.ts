/**
 * The stage configuration of the CDK app (ARCHITECTURE.md D6): one typed, validated object per
 * deployment stage, read from `infra/config/<stage>.json` (the stage comes from `-c stage=<name>`,
 * default `dev`). Every field but `stage` has a default, so a stage file holds only what differs.
 *
 * Environment-agnostic by default: without `account` and `region` the templates use
 * AWS::AccountId / AWS::Region and deploy wherever the CLI's credentials point.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';

/** The retention periods CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const ObjectLockSchema = z.strictObject({
  /**
   * GOVERNANCE: users with s3:BypassGovernanceRetention may delete a locked version (an emergency
   * valve). COMPLIANCE: nobody, the root user included, can delete a version before its retention
   * ends, and the retention cannot be shortened: an opt-in that cannot be undone for stored objects.
   */
  mode: z.enum(['GOVERNANCE', 'COMPLIANCE']).default('GOVERNANCE'),
  /** Default retention of every new object version, in whole years (HIPAA documentation: 6 years). */
  retentionYears: z.int().min(1).max(100).default(6),
});

const DatabaseSchema = z
  .strictObject({
    /** Aurora capacity units; 0 lets the cluster pause when idle (auto-pause). */
    minCapacity: z.number().min(0).max(256).multipleOf(0.5).default(0),
    maxCapacity: z.number().min(1).max(256).multipleOf(0.5).default(4),
    /** Idle time before a cluster with minCapacity 0 pauses (5 minutes to 24 hours). */
    autoPauseMinutes: z.int().min(5).max(1440).default(30),
    /** Automated backup (point-in-time recovery) retention, in days. */
    backupRetentionDays: z.int().min(1).max(35).default(35),
    /** A reader in a second AZ: a failover target (it costs as much as the writer when not paused). */
    multiAz: z.boolean().default(true),
  })
  .refine((database) => database.minCapacity <= database.maxCapacity, {
    message: 'database.minCapacity must not exceed database.maxCapacity',
  });

const NotificationsSchema = z.strictObject({
  /** The SES identity notifications are sent from (a verified address or domain). */
  emailSender: z.email().optional(),
  /** The SMS sender id (where the destination country supports one). */
  smsSenderId: z
    .string()
    .regex(/^[A-Za-z0-9]{1,11}$/)
    .optional(),
});

const FunctionsSchema = z.strictObject({
  /** Reserved concurrency of each function: a ceiling that keeps one route from starving the others (and the database). */
  reservedConcurrency: z.int().min(1).max(1000).default(10),
  memoryMiB: z.int().min(128).max(10240).default(1024),
  logRetentionDays: z.union(LOG_RETENTION_DAYS.map((days) => z.literal(days))).default(365),
});

const ApiSchema = z.strictObject({
  /** Origins allowed by CORS; none means no CORS (server-to-server clients only). */
  allowedOrigins: z.array(z.url({ protocol: /^https?$/ })).default([]),
  /** Steady-state requests per second per method, and the burst above it. */
  throttlingRateLimit: z.number().positive().default(100),
  throttlingBurstLimit: z.int().positive().default(200),
});

export const StageConfigSchema = z.strictObject({
  stage: z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, 'a lower-case name of at most 20 characters'),
  account: z
    .string()
    .regex(/^\d{12}$/, 'a 12-digit AWS account id')
    .optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1')
    .optional(),
  /** Availability zones of the VPC (each interface endpoint costs per AZ-hour). */
  maxAzs: z.int().min(2).max(3).default(2),
  objectLock: ObjectLockSchema.default({ mode: 'GOVERNANCE', retentionYears: 6 }),
  database: DatabaseSchema.default({ minCapacity: 0, maxCapacity: 4, autoPauseMinutes: 30, backupRetentionDays: 35, multiAz: true }),
  notifications: NotificationsSchema.default({}),
  functions: FunctionsSchema.default({ reservedConcurrency: 10, memoryMiB: 1024, logRetentionDays: 365 }),
  api: ApiSchema.default({ allowedOrigins: [], throttlingRateLimit: 100, throttlingBurstLimit: 200 }),
  /**
   * The journal's checkpoint origin line and signed-note key name (C2SP): unique to this log, and
   * never changed once checkpoints are published. Default: `chartproof/<stage>/<account id>`.
   */
  ledgerOrigin: z
    .string()
    .regex(/^[\x21-\x2a\x2c-\x7e]{1,128}$/, 'printable ASCII without spaces or "+"')
    .optional(),
  /** How long the event bus archive keeps events for replay (0: for ever). */
  eventArchiveRetentionDays: z.int().min(0).max(3650).default(365),
  /** Where alarms are e-mailed; without it the alarm topic has no subscription. */
  alarmEmail: z.email().optional(),
});

export type StageConfig = z.output<typeof StageConfigSchema>;
/** What a stage file may contain (everything but `stage` is optional). */
export type StageConfigInput = z.input<typeof StageConfigSchema>;

/** A stage file is missing, unreadable or invalid; the message names the file and each failing field. */
export class StageConfigError extends Error {
  override name = 'StageConfigError';
  readonly stage: string;

  constructor(stage: string, message: string, options?: { cause?: unknown }) {
    super(`stage "${stage}": ${message}`, options);
    this.stage = stage;
  }
}

/** Validates `input` (a parsed stage file) and fills in the defaults. */
export function parseStageConfig(input: unknown): StageConfig {
  const result = StageConfigSchema.safeParse(input);
  if (!result.success) {
    const stage = typeof input === 'object' && input !== null && 'stage' in input ? String(input.stage) : '?';
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new StageConfigError(stage, `invalid configuration: ${issues.join('; ')}`);
  }
  return result.data;
}

/**
 * Reads `<configDir>/<stage>.json` and validates it. The file's `stage`, if present, must equal
 * `stage`, so a file cannot be deployed under another stage's name by mistake.
 */
export function loadStageConfig(options: { stage: string; configDir: string }): StageConfig {
  const { stage, configDir } = options;
  const file = join(configDir, `${stage}.json`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new StageConfigError(stage, `cannot read ${file}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StageConfigError(stage, `${file} is not JSON`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new StageConfigError(stage, `${file} must hold a JSON object`);
  }
  if ('stage' in json && json.stage !== stage) {
    throw new StageConfigError(stage, `${file} says stage ${JSON.stringify(json.stage)}, want ${JSON.stringify(stage)}`);
  }
  return parseStageConfig({ ...json, stage });
}
