/**
 * The local composition root (ARCHITECTURE.md D7): `npm start`, the end-to-end tests and the API
 * benchmark build the whole API from here. It is the only local code that reads the environment.
 *
 * Embedded defaults, all created on first start under CHARTPROOF_DATA_DIR (default ./.chartproof):
 *   pglite/                      the database (journal and projections), PGlite
 *   objects/                     record ciphertexts (filesystem object store)
 *   keys/master.key              the local key vault's master key (wraps patient keys, 0600)
 *   keys/checkpoint-signing.pem  the Ed25519 checkpoint signing key (0600)
 *   notifications.jsonl          the alerts the notifier sent, one JSON line each (and printed)
 *
 * Environment (every variable is optional):
 *   CHARTPROOF_DATA_DIR            data directory; default ./.chartproof
 *   CHARTPROOF_LOG_ORIGIN          the journal's checkpoint origin and signing key name;
 *                                  default chartproof.local/journal
 *   CHARTPROOF_LOG_LEVEL           DEBUG, INFO (default), WARN, ERROR or SILENT
 *   DATABASE_URL                   use this PostgreSQL instead of PGlite; the roles and migrations
 *                                  are created on start (the user must be a superuser, or the
 *                                  owner role's member with CREATEROLE), and sessions run as the
 *                                  runtime role chartproof_runtime
 *   CHARTPROOF_DATABASE_POOL_SIZE  PostgreSQL connections; default 10
 *   CHARTPROOF_AWS_ENDPOINT        use S3 and KMS at this endpoint (AWS or an emulator such as
 *                                  moto_server) instead of the object directory and the local key
 *                                  vault; needs the two variables below, and takes the region
 *                                  (AWS_REGION, default us-east-1) and credentials from the usual
 *                                  AWS environment
 *   CHARTPROOF_RECORDS_BUCKET      the records bucket (with CHARTPROOF_AWS_ENDPOINT)
 *   CHARTPROOF_RECORDS_KMS_KEY_ID  the symmetric KMS key that wraps patient keys and encrypts
 *                                  objects at rest (with CHARTPROOF_AWS_ENDPOINT)
 *   CHARTPROOF_PUBLIC_URL          the API's base URL as patients reach it, for the access-log link in
 *                                  alerts; default http://127.0.0.1:<PORT> (start.ts)
 *   CHARTPROOF_SIGNING_KMS_KEY_ID  sign checkpoints with this asymmetric KMS key (Ed25519 or
 *                                  P-256) instead of the local key file (with CHARTPROOF_AWS_ENDPOINT)
 * PORT is read by start.ts.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { EncryptionSdkCipher } from '../../shared/adapters/encryption-sdk-cipher.ts';
import { FsObjectStore } from '../../shared/adapters/fs-object-store.ts';
import { KmsKeyVault } from '../../shared/adapters/kms-key-vault.ts';
import { createKmsSigner } from '../../shared/adapters/kms-signer.ts';
import { openLocalKeyVault } from '../../shared/adapters/local-key-vault.ts';
import { ensureLocalSigningKey, openLocalSigner } from '../../shared/adapters/local-signer.ts';
import { openPgliteRecordsDatabase, type RecordsDatabase } from '../../shared/adapters/pglite/records-database.ts';
import { openPostgresRecordsDatabase } from '../../shared/adapters/postgres/records-database.ts';
import { S3ObjectStore } from '../../shared/adapters/s3-object-store.ts';
import { SqlNotificationStore } from '../../shared/adapters/sql/notification-store.ts';
import { FileNotificationChannel } from '../../shared/adapters/file-notification-channel.ts';
import { InProcessBus } from '../../shared/adapters/in-process-bus.ts';
import { SqlOutbox } from '../../shared/adapters/sql/outbox.ts';
import { createSqlPatientControl } from '../../shared/adapters/sql/patient-control.ts';
import { repairReceipts } from '../../shared/audit/repair-receipts.ts';
import { DEFAULT_JOURNAL_ROLES } from '../../shared/adapters/sql/roles.ts';
import { OutboxDispatcher, type JournaledEntry } from '../../shared/events/outbox-dispatcher.ts';
import { makeNotify } from '../../shared/notifications/notify.ts';
import { relayOutbox, type OutboxRelaySettings, type RelayRun } from '../../shared/events/outbox-relay.ts';
import type { EventPublisher } from '../../shared/ports/event-publisher.ts';
import type { KeyVault } from '../../shared/ports/key-vault.ts';
import type { Outbox } from '../../shared/ports/outbox.ts';
import type { ObjectStore } from '../../shared/ports/object-store.ts';
import type { CheckpointSigner } from '../../shared/ports/signer.ts';
import { PatientKeyCache } from '../../shared/records/patient-key-cache.ts';
import { PatientRowCache } from '../../shared/records/patient-row-cache.ts';
import { PATIENT_KEY_CACHE, PATIENT_ROW_CACHE, type ApiDeps } from '../api-deps.ts';
import { createLogger } from '../http/observability.ts';

const optional = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** The environment the local root reads; blank values count as unset. */
export const LocalEnvSchema = z
  .object({
    CHARTPROOF_DATA_DIR: optional,
    CHARTPROOF_LOG_ORIGIN: optional.pipe(z.string().regex(/^[\x21-\x2a\x2c-\x7e]{1,128}$/, 'must be a note key name: no spaces or "+"').optional()),
    CHARTPROOF_LOG_LEVEL: optional.pipe(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']).optional()),
    DATABASE_URL: optional.pipe(z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL').optional()),
    CHARTPROOF_DATABASE_POOL_SIZE: optional.pipe(z.string().regex(/^[1-9][0-9]{0,2}$/, 'must be an integer from 1 to 999').transform(Number).optional()),
    CHARTPROOF_AWS_ENDPOINT: optional.pipe(z.url().optional()),
    AWS_REGION: optional,
    CHARTPROOF_RECORDS_BUCKET: optional,
    CHARTPROOF_RECORDS_KMS_KEY_ID: optional,
    CHARTPROOF_SIGNING_KMS_KEY_ID: optional,
    CHARTPROOF_PUBLIC_URL: optional.pipe(z.url({ protocol: /^https?$/ }).optional()),
  })
  .superRefine((env, context) => {
    if (env.CHARTPROOF_AWS_ENDPOINT === undefined) return;
    for (const name of ['CHARTPROOF_RECORDS_BUCKET', 'CHARTPROOF_RECORDS_KMS_KEY_ID'] as const) {
      if (env[name] === undefined) context.addIssue({ code: 'custom', path: [name], message: 'is required with CHARTPROOF_AWS_ENDPOINT' });
    }
  });

/** The local configuration, as validated from the environment or given by a test. */
export type LocalConfig = {
  readonly dataDir: string;
  readonly origin: string;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  readonly databaseUrl?: string | undefined;
  readonly poolSize?: number | undefined;
  /** The API's base URL for links in alerts; default DEFAULT_PUBLIC_URL. */
  readonly publicUrl?: string | undefined;
  readonly aws?: {
    readonly endpoint: string;
    readonly region: string;
    readonly recordsBucket: string;
    readonly recordsKmsKeyId: string;
    readonly signingKmsKeyId?: string | undefined;
  };
};

export const DEFAULT_ORIGIN = 'chartproof.local/journal';
export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:3000';
/** How long the local server gathers committed entries before publishing their events. */
export const LOCAL_PUBLISH_LINGER_MS = 250;

/** Reads and validates the environment; throws an Error listing every invalid variable. */
export function localConfigFromEnv(env: Record<string, string | undefined> = process.env): LocalConfig {
  const parsed = LocalEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid environment: ${problems.join('; ')}`);
  }
  const value = parsed.data;
  return {
    dataDir: resolve(value.CHARTPROOF_DATA_DIR ?? '.chartproof'),
    origin: value.CHARTPROOF_LOG_ORIGIN ?? DEFAULT_ORIGIN,
    logLevel: value.CHARTPROOF_LOG_LEVEL ?? 'INFO',
    databaseUrl: value.DATABASE_URL,
    poolSize: value.CHARTPROOF_DATABASE_POOL_SIZE,
    publicUrl: value.CHARTPROOF_PUBLIC_URL,
    ...(value.CHARTPROOF_AWS_ENDPOINT === undefined
      ? {}
      : {
          aws: {
            endpoint: value.CHARTPROOF_AWS_ENDPOINT,
            region: value.AWS_REGION ?? 'us-east-1',
            recordsBucket: value.CHARTPROOF_RECORDS_BUCKET as string,
            recordsKmsKeyId: value.CHARTPROOF_RECORDS_KMS_KEY_ID as string,
            signingKmsKeyId: value.CHARTPROOF_SIGNING_KMS_KEY_ID,
          },
        }),
  };
}

/** The composed local API. */
export type LocalApp = {
  readonly deps: ApiDeps;
  readonly database: RecordsDatabase;
  readonly config: LocalConfig;
  /** True when this start created the data directory. */
  readonly firstStart: boolean;
  /** Which adapters run, for the start banner: e.g. "PGlite", "filesystem". */
  readonly adapters: { readonly database: string; readonly objects: string; readonly keys: string; readonly signer: string };
  /** Domain events (ARCHITECTURE.md D4): the in-process bus, the outbox, and one relay run. */
  readonly events: {
    readonly bus: InProcessBus;
    readonly outbox: Outbox;
    readonly dispatcher: OutboxDispatcher;
    relay(settings?: Partial<OutboxRelaySettings>): Promise<RelayRun>;
  };
  close(): Promise<void>;
};

export type ComposeLocalOptions = {
  readonly logger?: Logger;
  /** Wraps the publisher the outbox uses (the in-process bus): tests inject faults with it. */
  readonly publisher?: (bus: InProcessBus) => EventPublisher;
  /** Where each alert's one-line summary goes; default console.log. */
  readonly printNotification?: (line: string) => void;
};

/** Builds every adapter and the API dependencies. Creates the data directory and key files when missing. */
export async function composeLocal(config: LocalConfig, options: ComposeLocalOptions = {}): Promise<LocalApp> {
  const firstStart = !existsSync(config.dataDir);
  const logger = options.logger ?? createLogger({ serviceName: 'chartproof', logLevel: config.logLevel });
  const kms = config.aws === undefined ? undefined : new KMSClient({ endpoint: config.aws.endpoint, region: config.aws.region });

  const signer = await localOrKmsSigner(config, kms);
  // The journal tells the dispatcher what it journaled; the dispatcher needs the database, hence the late binding.
  let dispatcher: OutboxDispatcher | undefined;
  const onJournaled = (journaled: readonly JournaledEntry[]) => dispatcher?.dispatch(journaled);
  const database =
    config.databaseUrl === undefined
      ? await openPgliteRecordsDatabase({ dataDir: join(config.dataDir, 'pglite'), signer, onJournaled })
      : await openPostgresRecordsDatabase({
          url: config.databaseUrl,
          migrate: true,
          runtimeRole: DEFAULT_JOURNAL_ROLES.runtime,
          maxConnections: config.poolSize,
          signer,
          onJournaled,
        });
  try {
    // A crash between a write's commit and the recording of its journal index leaves the index unknown.
    const control = createSqlPatientControl({ journal: database.journal, executor: database.executor });
    // No grace period: a request of this database still in flight can only be another worker's, and completing its receipt early is harmless.
    const repair = await repairReceipts({ projection: database.projection, control, journal: database.journal }, { graceMs: 0 });
    if (repair.repaired + repair.unresolved > 0) logger.warn('completed receipts after a crash', { ...repair });
    let objects: ObjectStore;
    let vault: KeyVault;
    if (config.aws === undefined || kms === undefined) {
      objects = new FsObjectStore({ root: join(config.dataDir, 'objects') });
      vault = await openLocalKeyVault({ keyFile: join(config.dataDir, 'keys', 'master.key') });
    } else {
      const s3 = new S3Client({ endpoint: config.aws.endpoint, region: config.aws.region, forcePathStyle: true });
      objects = new S3ObjectStore({ s3, bucket: config.aws.recordsBucket, kmsKeyId: config.aws.recordsKmsKeyId });
      vault = new KmsKeyVault({ kms, keyId: config.aws.recordsKmsKeyId });
    }
    const bus = new InProcessBus({ onSubscriberError: ({ eventIds, error }) => logger.error('event subscriber failed', { eventIds, error: errorName(error) }) });
    const outbox = new SqlOutbox({ executor: database.executor });
    const publisher = options.publisher?.(bus) ?? bus;
    const eventsDispatcher = new OutboxDispatcher({
      outbox,
      publisher,
      // PGlite runs in this process: batch the work after commit (about a statement per batch, not per
      // request), which takes its cost off the requests; alerts are due within a minute, not 250 ms.
      lingerMs: LOCAL_PUBLISH_LINGER_MS,
      onError: (error) => logger.warn('publishing after commit failed; the outbox relay will retry', { error: errorName(error) }),
    });
    dispatcher = eventsDispatcher;
    const notificationStore = new SqlNotificationStore(database.executor);
    const notifier = subscribeNotifier(bus, { store: notificationStore, config, logger, print: options.printNotification });
    const deps: ApiDeps = {
      observability: { logger },
      records: {
        journal: database.journal,
        projection: database.projection,
        objects,
        keys: new PatientKeyCache({ vault, now: Date.now, ...PATIENT_KEY_CACHE }),
        cipher: new EncryptionSdkCipher(),
        clock: () => new Date(),
        newId: randomUUID,
        patientRows: new PatientRowCache({ now: Date.now, ...PATIENT_ROW_CACHE }),
        control,
      },
      journal: database.journal,
      // Locally any https webhook host may be saved, so a receiver on this machine can be tried.
      notifications: { preferences: notificationStore, webhookPolicy: { kind: 'any-host' } },
      events: { idle: () => eventsDispatcher.idle() },
      vkey: signer.vkey,
      sleep: (ms) => sleep(ms),
    };
    return {
      deps,
      database,
      config,
      firstStart,
      adapters: {
        database: config.databaseUrl === undefined ? `PGlite in ${join(config.dataDir, 'pglite')}` : 'PostgreSQL (DATABASE_URL)',
        objects: config.aws === undefined ? `files in ${join(config.dataDir, 'objects')}` : `S3 bucket ${config.aws.recordsBucket} at ${config.aws.endpoint}`,
        keys: config.aws === undefined ? `local key vault ${join(config.dataDir, 'keys', 'master.key')}` : `KMS key ${config.aws.recordsKmsKeyId}`,
        signer: config.aws?.signingKmsKeyId === undefined ? `local key ${join(config.dataDir, 'keys', 'checkpoint-signing.pem')}` : `KMS key ${config.aws.signingKmsKeyId}`,
      },
      events: {
        bus,
        outbox,
        dispatcher: eventsDispatcher,
        relay: (settings) => relayOutbox({ outbox, publisher, notifierLedger: notificationStore, ...(settings === undefined ? {} : { settings }) }),
      },
      close: async () => {
        await eventsDispatcher.idle();
        await notifier.close();
        await database.close();
        kms?.destroy();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

async function localOrKmsSigner(config: LocalConfig, kms: KMSClient | undefined): Promise<CheckpointSigner> {
  if (config.aws?.signingKmsKeyId !== undefined && kms !== undefined) {
    return createKmsSigner({ kms, keyId: config.aws.signingKmsKeyId, noteKeyName: config.origin });
  }
  const keyFile = join(config.dataDir, 'keys', 'checkpoint-signing.pem');
  await ensureLocalSigningKey({ keyFile });
  return openLocalSigner({ keyFile, keyName: config.origin });
}

/** An error's name only: messages may quote data. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/**
 * The local notifier (ARCHITECTURE.md D5, D7): subscribed to the in-process bus, with the
 * preferences and its idempotency ledger in the database, and every channel standing in as a line
 * appended to notifications.jsonl in the data directory (and printed).
 */
function subscribeNotifier(
  bus: InProcessBus,
  options: { store: SqlNotificationStore; config: LocalConfig; logger: Logger; print: ((line: string) => void) | undefined },
): { close(): Promise<void> } {
  const file = new FileNotificationChannel({ dataDir: options.config.dataDir, ...(options.print === undefined ? {} : { print: options.print }) });
  const notify = makeNotify({
    preferences: options.store,
    ledger: options.store,
    channels: { email: file.forType('email'), sms: file.forType('sms'), webhook: file.forType('webhook') },
    clock: Date.now,
    message: { accessLogBaseUrl: options.config.publicUrl ?? DEFAULT_PUBLIC_URL },
  });
  bus.subscribe(async (events) => {
    for (const outcome of await notify(events)) {
      if (outcome.status === 'failed') options.logger.warn('notification failed', { eventId: outcome.eventId, channels: outcome.failures.map((failure) => failure.channel) });
    }
  });
  return { close: () => file.close() };
}
