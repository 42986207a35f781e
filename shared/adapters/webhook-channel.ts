/**
 * Webhook delivery (ARCHITECTURE.md D5): a signed JSON POST to the patient's https endpoint.
 *
 * Redirects are not followed: the target was checked (see webhook-target.ts), a redirect's target
 * was not, and following one would let any endpoint point the notifier at an internal address.
 * Each attempt has a timeout, so one slow receiver cannot hold the notifier past its own timeout;
 * retrying is the queue's job.
 */
import type { NotificationMessage } from '../notifications/message.ts';
import { SIGNATURE_HEADER, signWebhookBody } from '../notifications/webhook-signature.ts';
import type { NotificationSender } from '../ports/notifications.ts';

export const EVENT_ID_HEADER = 'Chartproof-Event-Id';

export type WebhookChannelOptions = {
  /** The HMAC secret shared with receivers. */
  secret: string;
  /** Default 5000 ms. */
  timeoutMs?: number;
  /** Called before each send; in AWS mode, the SSRF guard. Rejects to refuse the target. */
  checkTarget?: (url: string) => Promise<void>;
  /** Epoch milliseconds; injected for tests. */
  clock?: () => number;
  fetch?: typeof fetch;
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
    const { secret, timeoutMs = 5000, checkTarget, clock = Date.now, fetch: doFetch = fetch } = this.#options;
    await checkTarget?.(input.address);
    const { id, kind, at, subject, text, link } = input.message;
    const body = JSON.stringify({ id, kind, at, subject, text, link });
    const timestamp = Math.floor(clock() / 1000);
    let response: Response;
    try {
      response = await doFetch(input.address, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
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
    // Nothing in the response matters beyond its status; release the connection.
    await response.body?.cancel().catch(() => {});
    if (response.status >= 300 && response.status < 400) throw new WebhookDeliveryError(`webhook answered ${response.status}; redirects are not followed`, { status: response.status });
    if (!response.ok) throw new WebhookDeliveryError(`webhook answered ${response.status}, want 2xx`, { status: response.status });
  }
}
