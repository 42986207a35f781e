/**
 * The webhook sender's composition root (functions/jobs/send-webhook.ts): the webhook HMAC secret,
 * read once per cold start, a DNS resolver for the SSRF guard, and nothing else (no database, no
 * KMS key, no bucket).
 *
 * Environment (set by the CDK stack, infra/chartproof-stack.ts):
 *   AWS_REGION, POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL
 *   CHARTPROOF_WEBHOOK_SECRET_ARN   the Secrets Manager secret whose string is the webhook HMAC key
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { DnsHostResolver } from '../../shared/adapters/dns-host-resolver.ts';
import type { Post } from '../../shared/adapters/pinned-post.ts';
import { WebhookChannel } from '../../shared/adapters/webhook-channel.ts';
import { publicWebhookAddresses, type HostResolver } from '../../shared/notifications/webhook-target.ts';
import { createLogger } from '../http/observability.ts';
import type { WebhookSenderDeps } from '../jobs/send-webhook.ts';
import { BaseEnvSchema, ConfigurationError, parseEnvironment, required } from './environment.ts';

export const WebhookSenderEnvSchema = BaseEnvSchema.pick({ AWS_REGION: true, POWERTOOLS_SERVICE_NAME: true, POWERTOOLS_LOG_LEVEL: true }).extend({
  CHARTPROOF_WEBHOOK_SECRET_ARN: required,
});

export type WebhookSenderConfig = z.infer<typeof WebhookSenderEnvSchema>;

export function webhookSenderConfigFromEnv(env: Record<string, string | undefined> = process.env): WebhookSenderConfig {
  return parseEnvironment(WebhookSenderEnvSchema, env);
}

export type WebhookSenderOptions = {
  secrets?: Pick<SecretsManagerClient, 'send'>;
  /** The SSRF guard's resolver; default the system resolver. */
  resolver?: HostResolver;
  /** For tests: the transport, told the checked addresses the POST must connect to. */
  post?: Post;
};

export async function composeWebhookSender(config: WebhookSenderConfig, options: WebhookSenderOptions = {}): Promise<WebhookSenderDeps> {
  const secrets = options.secrets ?? new SecretsManagerClient({ region: config.AWS_REGION });
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: config.CHARTPROOF_WEBHOOK_SECRET_ARN }));
  if (SecretString === undefined || SecretString === '') throw new ConfigurationError('CHARTPROOF_WEBHOOK_SECRET_ARN: the secret has no string value');
  const resolver = options.resolver ?? new DnsHostResolver();
  const webhook = new WebhookChannel({
    secret: SecretString,
    resolveTarget: (url) => publicWebhookAddresses(url, { resolver }),
    ...(options.post === undefined ? {} : { post: options.post }),
  });
  return { webhook, log: createLogger({ serviceName: config.POWERTOOLS_SERVICE_NAME ?? 'chartproof', logLevel: config.POWERTOOLS_LOG_LEVEL ?? 'INFO' }) };
}

let shared: Promise<WebhookSenderDeps> | undefined;

/** The process's one composition (the secret is read once per cold start); a failed build is retried on the next call. */
export function awsWebhookSenderDeps(): Promise<WebhookSenderDeps> {
  shared ??= composeWebhookSender(webhookSenderConfigFromEnv()).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}
