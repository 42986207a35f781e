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
 *   CHARTPROOF_WEBHOOK_SENDER_FUNCTION  the webhook sender function (functions/jobs/send-webhook.ts),
 *                                    which POSTs from outside the VPC; without it there is no
 *                                    webhook channel. The notifier never sees the webhook secret.
 * A patient channel with no configured sender fails (and is retried), so nothing is silently lost.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { iamAuthTokenProvider } from '../../shared/adapters/postgres/iam-auth-token.ts';
import { openPostgresPool } from '../../shared/adapters/postgres/pool.ts';
import { LambdaWebhookChannel } from '../../shared/adapters/lambda-webhook-channel.ts';
import { SesEmailChannel } from '../../shared/adapters/ses-email-channel.ts';
import { SnsSmsChannel } from '../../shared/adapters/sns-sms-channel.ts';
import { SqlNotificationStore } from '../../shared/adapters/sql/notification-store.ts';
import { makeNotify, type NotifierDeps } from '../../shared/notifications/notify.ts';
import { createLogger } from '../http/observability.ts';
import type { NotifierJobDeps } from '../jobs/notify.ts';
import { BaseEnvSchema, parseEnvironment } from './environment.ts';

export const NotifierEnvSchema = BaseEnvSchema.extend({
  CHARTPROOF_ACCESS_LOG_BASE_URL: z.url({ protocol: /^https$/ }),
  CHARTPROOF_EMAIL_SENDER: z.email().optional(),
  CHARTPROOF_SMS_SENDER_ID: z.string().regex(/^[A-Za-z0-9]{1,11}$/, 'must be 1-11 letters or digits').optional(),
  CHARTPROOF_WEBHOOK_SENDER_FUNCTION: z.string().trim().min(1).optional(),
});

export type NotifierConfig = z.infer<typeof NotifierEnvSchema>;

/** Validates the environment; throws ConfigurationError naming every invalid variable, never a value. */
export function notifierConfigFromEnv(env: Record<string, string | undefined> = process.env): NotifierConfig {
  return parseEnvironment(NotifierEnvSchema, env);
}

export type NotifierClients = {
  ses: Pick<SESv2Client, 'send'>;
  sns: Pick<SNSClient, 'send'>;
  lambda: Pick<LambdaClient, 'send'>;
};

/**
 * The channels `config` enables. The notifier's subnets have no route to the internet (D6), so a
 * webhook is handed to the sender function outside the VPC, which checks the target against
 * private, loopback and link-local addresses (webhook-target.ts), signs and POSTs it.
 */
export async function notifierChannels(config: NotifierConfig, clients: NotifierClients): Promise<NotifierDeps['channels']> {
  const channels: NotifierDeps['channels'] = { sms: new SnsSmsChannel({ client: clients.sns, senderId: config.CHARTPROOF_SMS_SENDER_ID }) };
  if (config.CHARTPROOF_EMAIL_SENDER !== undefined) channels.email = new SesEmailChannel({ client: clients.ses, fromAddress: config.CHARTPROOF_EMAIL_SENDER });
  if (config.CHARTPROOF_WEBHOOK_SENDER_FUNCTION !== undefined) {
    channels.webhook = new LambdaWebhookChannel({ client: clients.lambda, functionName: config.CHARTPROOF_WEBHOOK_SENDER_FUNCTION });
  }
  return channels;
}

/** Builds the notifier's dependencies from `config`; `clients` default to the Lambda role's SDK clients in the region. */
export async function composeNotifier(config: NotifierConfig, clients?: NotifierClients): Promise<NotifierJobDeps> {
  const region = config.AWS_REGION;
  const channels = await notifierChannels(config, clients ?? { ses: new SESv2Client({ region }), sns: new SNSClient({ region }), lambda: new LambdaClient({ region }) });
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
