import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookChannel, WebhookDeliveryError } from '../../shared/adapters/webhook-channel.ts';
import { aMessage } from './fixtures.ts';
import { startWebhookReceiver, type ReceivedHook, type WebhookReceiver } from './webhook-receiver.ts';

const secret = 'whsec-local';

describe('WebhookChannel against a local receiver', () => {
  let receiver: WebhookReceiver;
  let base: string;
  let received: ReceivedHook[];

  beforeAll(async () => {
    // Paths decide the receiver's answer: /ok 204, /fail 500, /redirect 302 to /ok, /slow never
    // answers, /slow-body answers 200 and never finishes the body.
    receiver = await startWebhookReceiver(secret, ({ path }, response, receiverBase) => {
      if (path === '/slow') return;
      if (path === '/slow-body') return void response.writeHead(200, { 'content-type': 'text/plain' }).write('partial');
      if (path === '/redirect') response.writeHead(302, { location: `${receiverBase}/ok` }).end();
      else response.writeHead(path === '/ok' ? 204 : 500).end();
    });
    ({ base, received } = receiver);
  });

  afterAll(async () => {
    await receiver.close();
  });

  beforeEach(() => {
    received.length = 0;
  });

  it('POSTs the message with a signature the receiver verifies and the event id header', async () => {
    const message = aMessage();

    await new WebhookChannel({ secret }).send({ address: `${base}/ok`, message });

    expect(received).toEqual([
      { path: '/ok', verified: true, eventId: message.id, body: { id: message.id, kind: message.kind, at: message.at, subject: message.subject, text: message.text, link: message.link } },
    ]);
  });

  it('fails on a non-2xx answer, naming the status', async () => {
    const send = new WebhookChannel({ secret }).send({ address: `${base}/fail`, message: aMessage() });

    await expect(send).rejects.toMatchObject({ name: WebhookDeliveryError.name, status: 500, message: 'webhook answered 500, want 2xx' });
  });

  it('does not follow a redirect', async () => {
    const send = new WebhookChannel({ secret }).send({ address: `${base}/redirect`, message: aMessage() });

    await expect(send).rejects.toThrow(/redirects are not followed/);
    expect(received.map((r) => r.path)).toEqual(['/redirect']);
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const send = new WebhookChannel({ secret, timeoutMs: 200 }).send({ address: `${base}/slow`, message: aMessage() });

    await expect(send).rejects.toThrow('webhook timed out after 200 ms');
  });

  it('gives up on a receiver that answers but never finishes its body', async () => {
    const send = new WebhookChannel({ secret, timeoutMs: 200 }).send({ address: `${base}/slow-body`, message: aMessage() });

    await expect(send).rejects.toThrow('webhook timed out after 200 ms');
  });

  it('sends nothing when the target check refuses the address', async () => {
    const resolveTarget = async (): Promise<string[]> => {
      throw new Error('webhook target refused: 127.0.0.1 is loopback');
    };

    const send = new WebhookChannel({ secret, resolveTarget }).send({ address: `${base}/ok`, message: aMessage() });

    await expect(send).rejects.toThrow(/loopback/);
    expect(received).toEqual([]);
  });

  it('connects to the addresses the target check answered, not to what the name resolves to, trying each in turn', async () => {
    // .invalid never resolves (RFC 6761): the POST can only arrive through the checked addresses.
    // The receiver listens on 127.0.0.1 only, so the first address (::1) refuses the connection.
    const address = base.replace('127.0.0.1', 'receiver.invalid');

    const pinned = await new WebhookChannel({ secret, resolveTarget: async () => ['::1', '127.0.0.1'] }).send({ address: `${address}/ok`, message: aMessage() });
    const unpinned = new WebhookChannel({ secret }).send({ address: `${address}/ok`, message: aMessage() });

    expect(pinned).toBeUndefined();
    await expect(unpinned).rejects.toThrow(WebhookDeliveryError);
    expect(received.map((r) => [r.path, r.verified])).toEqual([['/ok', true]]);
  });

  it('signs with the injected clock, so a receiver refuses a stale delivery', async () => {
    const tenMinutesAgo = Date.now() - 10 * 60 * 1000;

    await new WebhookChannel({ secret, clock: () => tenMinutesAgo }).send({ address: `${base}/ok`, message: aMessage() });

    expect(received[0]?.verified).toBe(false);
  });
});
