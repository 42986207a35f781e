/**
 * The AWS composition root (Lambda): built once per cold start, on the first invocation
 * (lambda-handler.ts), and the only AWS code that reads the environment.
 *
 * Environment (set by the CDK stack):
 *   DATABASE_URL                   the Aurora PostgreSQL connection string of the runtime login role;
 *                                  migrations run on deploy, never here
 *   CHARTPROOF_DATABASE_IAM_AUTH   'true': each new connection's password is a fresh IAM auth token
 *                                  for DATABASE_URL's host, port and user (no password anywhere)
 *   CHARTPROOF_DATABASE_POOL_SIZE  connections per instance; default 2 (one request at a time,
 *                                  plus the checkpoint read)
 *   CHARTPROOF_RECORDS_BUCKET      the records bucket
 *   CHARTPROOF_RECORDS_KMS_KEY_ID  the symmetric key wrapping patient keys and encrypting objects at rest
 *   CHARTPROOF_SIGNING_KMS_KEY_ID  the asymmetric checkpoint signing key (Ed25519 or P-256)
 *   CHARTPROOF_LOG_ORIGIN          the checkpoint origin line and note key name
 *   CHARTPROOF_EVENT_BUS_NAME      the EventBridge bus domain events are published to (ARCHITECTURE.md D4)
 *   AWS_REGION                     set by Lambda
 *   POWERTOOLS_SERVICE_NAME        default chartproof
 *   POWERTOOLS_LOG_LEVEL           TRACE, DEBUG, INFO (default), WARN, ERROR, CRITICAL or SILENT
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { EncryptionSdkCipher } from '../../shared/adapters/encryption-sdk-cipher.ts';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge-publisher.ts';
import { SqlOutbox } from '../../shared/adapters/sql/outbox.ts';
import { OutboxDispatcher, type JournaledEntry } from '../../shared/events/outbox-dispatcher.ts';
import { KmsKeyVault } from '../../shared/adapters/kms-key-vault.ts';
import { createKmsSigner } from '../../shared/adapters/kms-signer.ts';
import { iamAuthTokenProvider } from '../../shared/adapters/postgres/iam-auth-token.ts';
import { openPostgresRecordsDatabase } from '../../shared/adapters/postgres/records-database.ts';
import { S3ObjectStore } from '../../shared/adapters/s3-object-store.ts';
import { DnsHostResolver } from '../../shared/adapters/dns-host-resolver.ts';
import { SqlNotificationStore } from '../../shared/adapters/sql/notification-store.ts';
import { createSqlPatientControl } from '../../shared/adapters/sql/patient-control.ts';
import { PatientKeyCache } from '../../shared/records/patient-key-cache.ts';
import { PatientRowCache } from '../../shared/records/patient-row-cache.ts';
import { PATIENT_KEY_CACHE, PATIENT_ROW_CACHE, type ApiDeps } from '../api-deps.ts';
import { createLogger } from '../http/observability.ts';
import { createTracer } from '../http/tracing.ts';

const required = z.string().trim().min(1, 'is required');

export const AwsEnvSchema = z.object({
  DATABASE_URL: required.regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
  CHARTPROOF_DATABASE_IAM_AUTH: z.enum(['true', 'false']).optional(),
  CHARTPROOF_DATABASE_POOL_SIZE: z.string().regex(/^[1-9][0-9]?$/, 'must be an integer from 1 to 99').transform(Number).optional(),
  CHARTPROOF_RECORDS_BUCKET: required,
  CHARTPROOF_RECORDS_KMS_KEY_ID: required,
  CHARTPROOF_SIGNING_KMS_KEY_ID: required,
  CHARTPROOF_LOG_ORIGIN: required.regex(/^[\x21-\x2a\x2c-\x7e]{1,128}$/, 'must be a note key name: no spaces or "+"'),
  CHARTPROOF_EVENT_BUS_NAME: required,
  AWS_REGION: required,
  POWERTOOLS_SERVICE_NAME: z.string().trim().min(1).optional(),
  POWERTOOLS_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT']).optional(),
});

export type AwsConfig = z.infer<typeof AwsEnvSchema>;

/** The environment is missing or malformed. The message names variables, never their values, so it may be logged. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** Validates the environment; throws ConfigurationError naming every invalid variable. */
export function awsConfigFromEnv(env: Record<string, string | undefined> = process.env): AwsConfig {
  const parsed = AwsEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigurationError(`invalid environment: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** Builds the API dependencies from `config`. */
export async function composeAws(config: AwsConfig): Promise<ApiDeps> {
  const serviceName = config.POWERTOOLS_SERVICE_NAME ?? 'chartproof';
  const kms = new KMSClient({ region: config.AWS_REGION });
  const s3 = new S3Client({ region: config.AWS_REGION });
  const signer = await createKmsSigner({ kms, keyId: config.CHARTPROOF_SIGNING_KMS_KEY_ID, noteKeyName: config.CHARTPROOF_LOG_ORIGIN });
  const logger = createLogger({ serviceName, logLevel: config.POWERTOOLS_LOG_LEVEL ?? 'INFO' });
  // The journal tells the dispatcher what it journaled; the dispatcher needs the database, hence the late binding.
  const late: { dispatcher?: OutboxDispatcher } = {};
  const onJournaled = (journaled: readonly JournaledEntry[]) => late.dispatcher?.dispatch(journaled);
  const database = await openPostgresRecordsDatabase({
    url: config.DATABASE_URL,
    migrate: false,
    runtimeRole: undefined,
    maxConnections: config.CHARTPROOF_DATABASE_POOL_SIZE ?? 2,
    ...(config.CHARTPROOF_DATABASE_IAM_AUTH === 'true' ? { password: iamAuthTokenProvider({ url: config.DATABASE_URL, region: config.AWS_REGION }) } : {}),
    signer,
    onJournaled,
  });
  const outbox = new SqlOutbox({ executor: database.executor });
  const publisher = new EventBridgePublisher({ client: new EventBridgeClient({ region: config.AWS_REGION }), eventBusName: config.CHARTPROOF_EVENT_BUS_NAME, maxAttempts: 2 });
  const eventsDispatcher = new OutboxDispatcher({
    outbox,
    publisher,
    onError: (error) => logger.warn('publishing after commit failed; the outbox relay will retry', { error: error instanceof Error ? error.name : typeof error }),
  });
  late.dispatcher = eventsDispatcher;
  return {
    observability: {
      logger,
      metrics: new Metrics({ namespace: 'Chartproof', serviceName }),
      tracer: createTracer({ serviceName }),
    },
    records: {
      journal: database.journal,
      projection: database.projection,
      objects: new S3ObjectStore({ s3, bucket: config.CHARTPROOF_RECORDS_BUCKET, kmsKeyId: config.CHARTPROOF_RECORDS_KMS_KEY_ID }),
      keys: new PatientKeyCache({ vault: new KmsKeyVault({ kms, keyId: config.CHARTPROOF_RECORDS_KMS_KEY_ID }), now: Date.now, ...PATIENT_KEY_CACHE }),
      cipher: new EncryptionSdkCipher(),
      clock: () => new Date(),
      newId: randomUUID,
      patientRows: new PatientRowCache({ now: Date.now, ...PATIENT_ROW_CACHE }),
      control: createSqlPatientControl({ journal: database.journal, executor: database.executor }),
    },
    journal: database.journal,
    events: { idle: () => eventsDispatcher.idle() },
    // The notifier runs inside the VPC: webhook hosts must resolve only to public addresses (SSRF).
    notifications: { preferences: new SqlNotificationStore(database.executor), webhookPolicy: { kind: 'public-only', resolver: new DnsHostResolver() } },
    vkey: signer.vkey,
    sleep: (ms) => sleep(ms),
  };
}

let shared: Promise<ApiDeps> | undefined;

/** The process's one composition, built on first use; a failed build is retried on the next call. */
export function awsApiDeps(): Promise<ApiDeps> {
  shared ??= composeAws(awsConfigFromEnv()).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}
