/**
 * The AWS notifier's webhook channel (shared/adapters/lambda-webhook-channel.ts): a synchronous
 * invocation of the webhook sender function, which resolves only on its {ok: true}.
 */
import { InvokeCommand, LambdaClient, TooManyRequestsException, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LambdaWebhookChannel, WebhookSenderError } from '../../shared/adapters/lambda-webhook-channel.ts';
import { aMessage } from './fixtures.ts';

const functionName = 'arn:aws:lambda:eu-west-1:123456789012:function:chartproof-webhook-sender';
const url = 'https://hooks.receiver.example/chartproof';
type Payload = NonNullable<InvokeCommandOutput['Payload']>;
const bytes = (text: string) => new TextEncoder().encode(text) as Payload;
const json = (value: unknown) => bytes(JSON.stringify(value));

describe('LambdaWebhookChannel', () => {
  const lambda = mockClient(LambdaClient);
  const channel = () => new LambdaWebhookChannel({ client: new LambdaClient({ region: 'eu-west-1' }), functionName });

  beforeEach(() => {
    lambda.reset();
  });

  it('invokes the sender synchronously with the url and the alert, and resolves on {ok: true}', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: json({ ok: true }) });
    const message = aMessage();

    await channel().send({ address: url, message });

    const calls = lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input);
    expect(calls).toHaveLength(1);
    expect({ ...calls[0], Payload: JSON.parse(new TextDecoder().decode(calls[0]?.Payload as Uint8Array)) as unknown }).toEqual({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: { url, message: { id: message.id, kind: message.kind, at: message.at, subject: message.subject, text: message.text, link: message.link } },
    });
  });

  it("rejects on a function error, naming the sender's error type only", async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: json({ errorType: 'WebhookTargetRefusedError', errorMessage: 'webhook target refused: 10.0.0.7 is private', trace: [] }),
    });

    const send = channel().send({ address: url, message: aMessage() });

    await expect(send).rejects.toThrow(WebhookSenderError);
    await expect(send).rejects.toMatchObject({ errorType: 'WebhookTargetRefusedError', message: 'the webhook sender failed: WebhookTargetRefusedError' });
    await expect(send).rejects.not.toThrow(/10\.0\.0\.7/);
  });

  it('rejects on a function error without a readable payload (a runtime timeout)', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: bytes('Task timed out after https://x') });

    await expect(channel().send({ address: url, message: aMessage() })).rejects.toMatchObject({ name: 'WebhookSenderError', errorType: 'unknown' });
  });

  it('rejects an answer that is not {ok: true}', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: json(null) });

    await expect(channel().send({ address: url, message: aMessage() })).rejects.toMatchObject({ name: 'WebhookSenderError', errorType: 'unexpected-answer' });
  });

  it('rejects when Lambda throttles the invocation, so the queue retries it', async () => {
    lambda.on(InvokeCommand).rejects(new TooManyRequestsException({ message: 'Rate Exceeded.', $metadata: {} }));

    await expect(channel().send({ address: url, message: aMessage() })).rejects.toThrow(TooManyRequestsException);
  });
});
