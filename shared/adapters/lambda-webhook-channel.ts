/**
 * The webhook channel of the AWS notifier (ARCHITECTURE.md D5, D6): the notifier runs in isolated
 * subnets with no route to the internet, so it hands {url, message} to the webhook sender function
 * (functions/jobs/send-webhook.ts, outside the VPC) through the Lambda interface endpoint, and waits
 * for its answer (RequestResponse). The sender does the SSRF check, the signing and the POST.
 *
 * `send` resolves only when the sender answered {ok: true}. A function error rejects with a
 * WebhookSenderError naming the sender's error type only (its message stays in the sender's logs),
 * so that nothing the sender says can put an address into the notifier's failure reasons.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { NotificationMessage } from '../notifications/message.ts';
import type { NotificationSender } from '../ports/notifications.ts';

export type LambdaWebhookChannelOptions = {
  client: Pick<LambdaClient, 'send'>;
  /** The sender function's name or ARN. */
  functionName: string;
};

export class WebhookSenderError extends Error {
  override name = 'WebhookSenderError';
  /** The sender's error type ("WebhookTargetRefusedError", "Sandbox.Timedout", ...), or "unknown". */
  readonly errorType: string;

  constructor(errorType: string) {
    super(`the webhook sender failed: ${errorType}`);
    this.errorType = errorType;
  }
}

const decoder = new TextDecoder();

export class LambdaWebhookChannel implements NotificationSender {
  readonly #options: LambdaWebhookChannelOptions;

  constructor(options: LambdaWebhookChannelOptions) {
    this.#options = options;
  }

  async send(input: { address: string; message: NotificationMessage }): Promise<void> {
    const { id, kind, at, subject, text, link } = input.message;
    const response = await this.#options.client.send(
      new InvokeCommand({
        FunctionName: this.#options.functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify({ url: input.address, message: { id, kind, at, subject, text, link } })),
      }),
    );
    const payload = parsePayload(response.Payload);
    if (response.FunctionError !== undefined) throw new WebhookSenderError(errorTypeOf(payload));
    if ((payload as { ok?: unknown } | undefined)?.ok !== true) throw new WebhookSenderError('unexpected-answer');
  }
}

function parsePayload(payload: Uint8Array | undefined): unknown {
  if (payload === undefined || payload.length === 0) return undefined;
  try {
    return JSON.parse(decoder.decode(payload)) as unknown;
  } catch {
    return undefined;
  }
}

/** The error type Lambda reports ({errorType, errorMessage, trace}), if it looks like a type name. */
function errorTypeOf(payload: unknown): string {
  const type = (payload as { errorType?: unknown } | undefined)?.errorType;
  return typeof type === 'string' && /^[A-Za-z0-9_.]{1,100}$/.test(type) ? type : 'unknown';
}
