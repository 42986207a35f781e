/**
 * The webhook sender function (functions/jobs/send-webhook.ts) with its composition
 * (functions/aws/compose-webhook-sender.ts): the secret read from Secrets Manager, the SSRF guard,
 * the signed POST to a local receiver, and errors that name no URL or address.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { composeWebhookSender, webhookSenderConfigFromEnv } from '../../functions/aws/compose-webhook-sender.ts';
import { pinnedPost } from '../../shared/adapters/pinned-post.ts';
import { InvalidWebhookRequestError, makeSendWebhookHandler, WebhookSendFailedError, WebhookTargetRefusedError } from '../../functions/jobs/send-webhook.ts';
import type { JobLog } from '../../functions/aws/job-handler.ts';
import { aMessage } from './fixtures.ts';
import { startWebhookReceiver, type ReceivedHook, type WebhookReceiver } from './webhook-receiver.ts';

const secret = 'whsec-sender-test';
const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook-AbCdEf';
// A host name the test resolver maps to a public address (no DNS is asked); the POST
// itself is routed to the local receiver by the injected transport.
const PUBLIC_URL = 'https://hooks.receiver.example/chartproof';

describe('the webhook sender function', () => {
  let receiver: WebhookReceiver;
  let received: ReceivedHook[];
  const logged: { message: string; attributes: Record<string, unknown> }[] = [];
  const log: JobLog = { info: (message, attributes) => logged.push({ message, attributes }), warn: (message, attributes) => logged.push({ message, attributes }) };
  let base: string;
  const secrets = mockClient(SecretsManagerClient);

  beforeAll(async () => {
    receiver = await startWebhookReceiver(secret, ({ path }, response) => void response.writeHead(path === '/fail' ? 500 : 204).end());
    ({ base, received } = receiver);
  });

  afterAll(async () => {
    await receiver.close();
  });

  beforeEach(() => {
    received.length = 0;
    logged.length = 0;
    secrets.reset();
    secrets.on(GetSecretValueCommand, { SecretId: secretArn }).resolves({ SecretString: secret });
  });

  const config = () => webhookSenderConfigFromEnv({ AWS_REGION: 'eu-west-1', CHARTPROOF_WEBHOOK_SECRET_ARN: secretArn, POWERTOOLS_LOG_LEVEL: 'SILENT' });

  /**
   * The composition, its guard resolving names by `hosts` (or `resolve`), its POSTs going to the
   * receiver's `path`; `pinned` collects the address each POST was told to connect to.
   */
  async function aSender(options: { hosts?: Record<string, string[]>; resolve?: (hostname: string) => Promise<string[]>; path?: string; pinned?: (readonly string[] | undefined)[] } = {}) {
    const deps = await composeWebhookSender(config(), {
      secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
      resolver: { resolve: options.resolve ?? (async (hostname) => options.hosts?.[hostname] ?? []) },
      post: (request) => {
        options.pinned?.push(request.addresses);
        return pinnedPost({ ...request, url: `${base}${options.path ?? '/ok'}`, addresses: undefined });
      },
    });
    return makeSendWebhookHandler({ ...deps, log });
  }

  it('reads the secret once, then signs and POSTs the alert, which the receiver verifies', async () => {
    const message = aMessage();
    const handler = await aSender({ hosts: { 'hooks.receiver.example': ['93.184.216.34'] } });

    const answers = [await handler({ url: PUBLIC_URL, message }), await handler({ url: PUBLIC_URL, message })];

    expect(answers).toEqual([{ ok: true }, { ok: true }]);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(received).toHaveLength(2);
    expect(received[0]).toEqual({ path: '/ok', verified: true, eventId: message.id, body: { id: message.id, kind: message.kind, at: message.at, subject: message.subject, text: message.text, link: message.link } });
    expect(logged.map((entry) => entry.message)).toEqual(['webhook sent', 'webhook sent']);
    expect(JSON.stringify(logged)).not.toContain('hooks.receiver.example');
  });

  it.each([
    ['a loopback literal', 'https://127.0.0.1/hook', {}],
    ['the instance metadata address', 'https://169.254.169.254/latest/meta-data/', {}],
    ['a name resolving to a private address', 'https://intranet.receiver.example/hook', { 'intranet.receiver.example': ['93.184.216.34', '10.0.0.7'] }],
    ['a name that does not resolve', 'https://nowhere.receiver.example/hook', {}],
  ])('refuses %s, sends nothing, and names no URL or address', async (_label, url, hosts) => {
    const handler = await aSender({ hosts });

    const send = handler({ url, message: aMessage() });

    await expect(send).rejects.toThrow(WebhookTargetRefusedError);
    const error = (await send.catch((e: unknown) => e)) as Error;
    expect({ message: error.message, cause: error.cause }).toEqual({ message: 'webhook target refused: not a public address', cause: undefined });
    expect(received).toEqual([]);
    expect(logged).toEqual([{ message: 'webhook failed', attributes: expect.objectContaining({ error: 'WebhookTargetRefusedError' }) }]);
  });

  it('resolves the host once and connects only to the addresses it checked, so a changed DNS answer cannot rebind it', async () => {
    const answers = [['93.184.216.34', '2606:2800:220:1::1'], ['127.0.0.1']];
    const asked: string[] = [];
    const pinned: (readonly string[] | undefined)[] = [];
    const handler = await aSender({ resolve: async (hostname) => (asked.push(hostname), answers[asked.length - 1] ?? ['169.254.169.254']), pinned });

    const sent = await handler({ url: PUBLIC_URL, message: aMessage() });

    expect({ sent, asked, pinned, received: received.length }).toEqual({ sent: { ok: true }, asked: ['hooks.receiver.example'], pinned: [['93.184.216.34', '2606:2800:220:1::1']], received: 1 });
  });

  it('fails when the receiver answers non-2xx, naming the status only', async () => {
    const handler = await aSender({ hosts: { 'hooks.receiver.example': ['93.184.216.34'] }, path: '/fail' });

    const send = handler({ url: PUBLIC_URL, message: aMessage() });

    await expect(send).rejects.toThrow(WebhookSendFailedError);
    await expect(send).rejects.toThrow(/^webhook answered 500, want 2xx$/);
  });

  it('refuses what is not {url, message} with an https url, naming fields and not values', async () => {
    const handler = await aSender();
    const message = aMessage();

    const attempts = [
      handler({ url: 'http://hooks.receiver.example/', message }),
      handler({ url: PUBLIC_URL, message: { ...message, text: undefined } }),
      handler({ url: PUBLIC_URL, message, extra: 'record contents' }),
      handler('not an object'),
    ];

    for (const attempt of attempts) await expect(attempt).rejects.toThrow(InvalidWebhookRequestError);
    await expect(attempts[0]).rejects.toThrow(/^invalid webhook request: url$/);
    await expect(attempts[1]).rejects.toThrow(/^invalid webhook request: message\.text$/);
    await expect(attempts[2]).rejects.not.toThrow(/record contents/);
    expect(received).toEqual([]);
  });

  it('fails its composition when the secret has no string value', async () => {
    secrets.on(GetSecretValueCommand).resolves({});

    await expect(composeWebhookSender(config(), { secrets: new SecretsManagerClient({ region: 'eu-west-1' }) })).rejects.toThrow(/CHARTPROOF_WEBHOOK_SECRET_ARN: the secret has no string value/);
  });
});
