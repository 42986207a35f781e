/**
 * The notifier's composition root (functions/jobs/notify.ts): built once per cold start, and with
 * compose.ts the only AWS code that reads the environment. The notifier needs no KMS key, bucket
 * or journal: only the notification store in the database and the three channels.
 *
 * Environment (set by the CDK stack, infra/chartproof-stack.ts):
 *   DATABASE_URL, CHARTPROOF_DATABASE_IAM_AUTH, CHARTPROOF_DATABASE_POOL_SIZE, AWS_REGION,
 *   POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL   as for compose.ts
 *   CHARTPROOF_ACCESS_LOG_BASE_URL   where the alerts' access-log links point (the API's URL)
 *   CHARTPROOF_EMAIL_SENDER          the verified SES identity; without it there is no e-mail channel
 *   CHARTPROOF_SMS_SENDER_ID         the SMS sender id, where the destination country supports one
 *   CHARTPROOF_WEBHOOK_SECRET_ARN    the Secrets Manager secret whose string is the webhook HMAC
 *                                    key; without it there is no webhook channel
 * A patient channel with no configured sender fails (and is retried), so nothing is silently lost.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { DnsHostResolver } from '../../shared/adapters/dns-host-resolver.ts';
import { iamAuthTokenProvider } from '../../shared/adapters/postgres/iam-auth-token.ts';
import { openPostgresPool } from '../../shared/adapters/postgres/pool.ts';
import { SesEmailChannel } from '../../shared/adapters/ses-email-channel.ts';
import { SnsSmsChannel } from '../../shared/adapters/sns-sms-channel.ts';
import { SqlNotificationStore } from '../../shared/adapters/sql/notification-store.ts';
import { WebhookChannel } from '../../shared/adapters/webhook-channel.ts';
import { makeNotify, type NotifierDeps } from '../../shared/notifications/notify.ts';
import { assertPublicWebhookTarget } from '../../shared/notifications/webhook-target.ts';
import { createLogger } from '../http/observability.ts';
import type { NotifierJobDeps } from '../jobs/notify.ts';
import { BaseEnvSchema, ConfigurationError, parseEnvironment } from './environment.ts';

export const NotifierEnvSchema = BaseEnvSchema.extend({
  CHARTPROOF_ACCESS_LOG_BASE_URL: z.url({ protocol: /^https$/ }),
  CHARTPROOF_EMAIL_SENDER: z.email().optional(),
  CHARTPROOF_SMS_SENDER_ID: z.string().regex(/^[A-Za-z0-9]{1,11}$/, 'must be 1-11 letters or digits').optional(),
  CHARTPROOF_WEBHOOK_SECRET_ARN: z.string().trim().min(1).optional(),
});

export type NotifierConfig = z.infer<typeof NotifierEnvSchema>;

/** Validates the environment; throws ConfigurationError naming every invalid variable, never a value. */
export function notifierConfigFromEnv(env: Record<string, string | undefined> = process.env): NotifierConfig {
  return parseEnvironment(NotifierEnvSchema, env);
}

export type NotifierClients = {
  ses: Pick<SESv2Client, 'send'>;
  sns: Pick<SNSClient, 'send'>;
  secrets: Pick<SecretsManagerClient, 'send'>;
};

/**
 * The channels `config` enables. In AWS the webhook target is checked against private, loopback
 * and link-local addresses before each send (webhook-target.ts).
 */
export async function notifierChannels(config: NotifierConfig, clients: NotifierClients): Promise<NotifierDeps['channels']> {
  const channels: NotifierDeps['channels'] = { sms: new SnsSmsChannel({ client: clients.sns, senderId: config.CHARTPROOF_SMS_SENDER_ID }) };
  if (config.CHARTPROOF_EMAIL_SENDER !== undefined) channels.email = new SesEmailChannel({ client: clients.ses, fromAddress: config.CHARTPROOF_EMAIL_SENDER });
  if (config.CHARTPROOF_WEBHOOK_SECRET_ARN !== undefined) {
    const { SecretString } = await clients.secrets.send(new GetSecretValueCommand({ SecretId: config.CHARTPROOF_WEBHOOK_SECRET_ARN }));
    if (SecretString === undefined || SecretString === '') throw new ConfigurationError('CHARTPROOF_WEBHOOK_SECRET_ARN: the secret has no string value');
    const resolver = new DnsHostResolver();
    channels.webhook = new WebhookChannel({ secret: SecretString, checkTarget: (url) => assertPublicWebhookTarget(url, { resolver }) });
  }
  return channels;
}

/** Builds the notifier's dependencies from `config`; `clients` default to the Lambda role's SDK clients in the region. */
export async function composeNotifier(config: NotifierConfig, clients?: NotifierClients): Promise<NotifierJobDeps> {
  const region = config.AWS_REGION;
  const channels = await notifierChannels(config, clients ?? { ses: new SESv2Client({ region }), sns: new SNSClient({ region }), secrets: new SecretsManagerClient({ region }) });
  const store = new SqlNotificationStore(
    openPostgresPool({
      url: config.DATABASE_URL,
      // A batch is handled one message at a time.
      maxConnections: config.CHARTPROOF_DATABASE_POOL_SIZE ?? 1,
      ...(config.CHARTPROOF_DATABASE_IAM_AUTH === 'true' ? { password: iamAuthTokenProvider({ url: config.DATABASE_URL, region }) } : {}),
    }),
  );
  const notify = makeNotify({ preferences: store, ledger: store, channels, clock: Date.now, message: { accessLogBaseUrl: config.CHARTPROOF_ACCESS_LOG_BASE_URL } });
  return { notify, log: createLogger({ serviceName: config.POWERTOOLS_SERVICE_NAME ?? 'chartproof', logLevel: config.POWERTOOLS_LOG_LEVEL ?? 'INFO' }) };
}

let shared: Promise<NotifierJobDeps> | undefined;

/** The process's one composition, built on first use; a failed build is retried on the next call. */
export function awsNotifierDeps(): Promise<NotifierJobDeps> {
  shared ??= composeNotifier(notifierConfigFromEnv()).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}
