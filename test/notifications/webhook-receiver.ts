/**
 * A webhook receiver on loopback for tests: it records each POST (its path, whether its signature
 * verifies with `secret` over the raw body, as the README tells receivers to check, the event id
 * header and the JSON body) and leaves the answer to `answer`.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../../shared/notifications/webhook-signature.ts';

export type ReceivedHook = { path: string; verified: boolean; eventId: string | undefined; body: unknown };

export type WebhookReceiver = {
  /** http://127.0.0.1:<port> */
  readonly base: string;
  /** Every POST so far, in arrival order. */
  readonly received: ReceivedHook[];
  close(): Promise<void>;
};

export async function startWebhookReceiver(secret: string, answer: (hook: ReceivedHook, response: ServerResponse, base: string) => void): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  let base = '';
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const hook = {
        path: request.url ?? '',
        verified: verifyWebhookSignature({ header: request.headers['chartproof-signature'] as string | undefined, body: raw, secrets: [secret], now: Math.floor(Date.now() / 1000) }).ok,
        eventId: request.headers['chartproof-event-id'] as string | undefined,
        body: raw === '' ? undefined : (JSON.parse(raw) as unknown),
      };
      received.push(hook);
      answer(hook, response, base);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
