/**
 * Webhook delivery (ARCHITECTURE.md D5): a signed JSON POST to the patient's https endpoint.
 *
 * Redirects are not followed: the target was checked (see webhook-target.ts), a redirect's target
 * was not, and following one would let any endpoint point the notifier at an internal address.
 * With a `resolveTarget` (the SSRF guard in AWS), the connection goes to the address it checked
 * and no others (pinned-post.ts), so a DNS answer that changes after the check changes nothing.
 * Each attempt has a timeout, so one slow receiver cannot hold the notifier past its own timeout;
 * retrying is the queue's job.
 */
import type { NotificationMessage } from '../notifications/message.ts';
import { SIGNATURE_HEADER, signWebhookBody } from '../notifications/webhook-signature.ts';
import type { NotificationSender } from '../ports/notifications.ts';
import { pinnedPost, type Post } from './pinned-post.ts';

export const EVENT_ID_HEADER = 'Chartproof-Event-Id';

export type WebhookChannelOptions = {
  /** The HMAC secret shared with receivers. */
  secret: string;
  /** Default 5000 ms. */
  timeoutMs?: number;
  /**
   * Called before each send; in AWS mode, the SSRF guard (publicWebhookAddresses). Answers the
   * checked addresses the POST must connect to, or rejects to refuse the target. Without it the
   * host name is resolved as usual (the local server, whose receivers may be on loopback).
   */
  resolveTarget?: (url: string) => Promise<readonly string[]>;
  /** Epoch milliseconds; injected for tests. */
  clock?: () => number;
  /** The transport; default pinnedPost. */
  post?: Post;
};

export class WebhookDeliveryError extends Error {
  override name = 'WebhookDeliveryError';
  readonly status: number | undefined;

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
  }
}

export class WebhookChannel implements NotificationSender {
  readonly #options: WebhookChannelOptions;

  constructor(options: WebhookChannelOptions) {
    this.#options = options;
  }

  async send(input: { address: string; message: NotificationMessage }): Promise<void> {
    const { secret, timeoutMs = 5000, resolveTarget, clock = Date.now, post = pinnedPost } = this.#options;
    const addresses = await resolveTarget?.(input.address);
    const { id, kind, at, subject, text, link } = input.message;
    const body = JSON.stringify({ id, kind, at, subject, text, link });
    const timestamp = Math.floor(clock() / 1000);
    let status: number;
    try {
      status = await post({
        url: input.address,
        addresses,
        body,
        timeoutMs,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Chartproof-Webhook/1',
          [SIGNATURE_HEADER]: signWebhookBody({ secret, timestamp, body }),
          [EVENT_ID_HEADER]: id,
        },
      });
    } catch (error) {
      const name = (error as Error)?.name;
      throw new WebhookDeliveryError(name === 'TimeoutError' ? `webhook timed out after ${timeoutMs} ms` : `webhook request failed: ${name ?? 'Error'}`, { cause: error });
    }
    if (status >= 300 && status < 400) throw new WebhookDeliveryError(`webhook answered ${status}; redirects are not followed`, { status });
    if (status < 200 || status >= 300) throw new WebhookDeliveryError(`webhook answered ${status}, want 2xx`, { status });
  }
}
