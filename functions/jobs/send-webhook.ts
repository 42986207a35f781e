/**
 * The webhook sender Lambda (ARCHITECTURE.md D5, D6): the one function outside the VPC. The notifier
 * runs in isolated subnets with no route to the internet (D6), so it invokes this function
 * synchronously with {url, message}; this function only checks the target (SSRF guard), signs and
 * POSTs the alert, and answers {ok: true} or throws.
 *
 * It holds no database connection and no key but the webhook HMAC secret; the message it carries
 * is the alert (ids, kind, time, subject, text, link), never clinical content.
 *
 * What it throws reaches the caller as the Lambda error's type and message, and the runtime logs
 * it: so each error is a fresh one whose message names no URL, host or address (the guard's and
 * the resolver's messages do) and carries no cause.
 */
import * as z from 'zod';
import { DOMAIN_EVENT_TYPES } from '../../shared/events/domain-event.ts';
import type { NotificationSender } from '../../shared/ports/notifications.ts';
import { jobHandler, type JobLog } from '../aws/job-handler.ts';

export const SendWebhookRequestSchema = z.strictObject({
  // Preferences accept https webhook URLs only (shared/notifications/preferences.ts).
  url: z.url({ protocol: /^https$/ }),
  message: z.strictObject({
    id: z.uuid(),
    kind: z.enum(DOMAIN_EVENT_TYPES),
    at: z.iso.datetime(),
    subject: z.string().min(1).max(200),
    text: z.string().min(1).max(2000),
    link: z.url({ protocol: /^https?$/ }),
  }),
});

export type SendWebhookRequest = z.infer<typeof SendWebhookRequestSchema>;
export type SendWebhookResult = { ok: true };

/** The request is not {url, message}; the message names the invalid fields, never their values. */
export class InvalidWebhookRequestError extends Error {
  override name = 'InvalidWebhookRequestError';
}

/** The SSRF guard refused the target (not public, or it did not resolve). */
export class WebhookTargetRefusedError extends Error {
  override name = 'WebhookTargetRefusedError';
}

/** The POST failed: no connection, a timeout, a redirect or a non-2xx answer. */
export class WebhookSendFailedError extends Error {
  override name = 'WebhookSendFailedError';
}

export type WebhookSenderDeps = {
  /** The guarded, signing webhook channel (shared/adapters/webhook-channel.ts). */
  webhook: NotificationSender;
  log: JobLog;
};

export function makeSendWebhookHandler(deps: WebhookSenderDeps): (event: unknown) => Promise<SendWebhookResult> {
  return async (event) => {
    const parsed = SendWebhookRequestSchema.safeParse(event);
    if (!parsed.success) throw new InvalidWebhookRequestError(`invalid webhook request: ${[...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ')}`);
    const { url, message } = parsed.data;
    try {
      await deps.webhook.send({ address: url, message });
    } catch (error) {
      const failure = sanitized(error);
      deps.log.warn('webhook failed', { eventId: message.id, kind: message.kind, error: failure.name });
      throw failure;
    }
    deps.log.info('webhook sent', { eventId: message.id, kind: message.kind });
    return { ok: true };
  };
}

function sanitized(error: unknown): Error {
  const name = error instanceof Error ? error.name : typeof error;
  if (name === 'WebhookTargetError') return new WebhookTargetRefusedError('webhook target refused: not a public address');
  // WebhookDeliveryError's messages name a status, a timeout or an error name, never the URL.
  if (name === 'WebhookDeliveryError') return new WebhookSendFailedError((error as Error).message);
  return new WebhookSendFailedError(`webhook send failed: ${name}`);
}

export const handler = jobHandler(makeSendWebhookHandler, async () => (await import('../aws/compose-webhook-sender.ts')).awsWebhookSenderDeps());
