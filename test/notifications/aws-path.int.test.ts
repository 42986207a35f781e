/**
 * The AWS notification path against moto_server (issue #6, acceptance 2 and 4): domain events go
 * through the EventBridgePublisher to a bus whose rule (source chartproof) targets an SQS queue
 * with a redrive policy; the queue's messages, as Lambda's SQS event source would hand them over,
 * go to the notifier job's handler, which sends through SES v2 and SNS on moto and hands webhooks
 * to the webhook sender function (invoked in-process here: moto runs Lambda functions only in
 * Docker), whose composition reads the HMAC secret from Secrets Manager on moto, checks the target
 * and POSTs the signed alert to a local receiver. This test plays the event source mapping: it
 * deletes what the handler did not report as failed and makes the failures visible again at once.
 *
 * The webhook receiver is plain http on 127.0.0.1, which the SSRF guard refuses by design; so the
 * patient's webhook URL is an https name that the sender's guard resolves (through an injected
 * resolver) to a public address, and the sender's fetch is routed to the receiver.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { CreateEventBusCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifierChannels, type NotifierConfig } from '../../functions/aws/compose-notifier.ts';
import { composeWebhookSender, webhookSenderConfigFromEnv } from '../../functions/aws/compose-webhook-sender.ts';
import { pinnedPost } from '../../shared/adapters/pinned-post.ts';
import type { JobLog } from '../../functions/aws/job-handler.ts';
import { makeNotifierHandler } from '../../functions/jobs/notify.ts';
import { makeSendWebhookHandler } from '../../functions/jobs/send-webhook.ts';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge-publisher.ts';
import type { DomainEvent } from '../../shared/events/domain-event.ts';
import { MemoryNotificationLedger } from '../../shared/notifications/memory-ledger.ts';
import { makeNotify } from '../../shared/notifications/notify.ts';
import { everyPatientChose } from './fixtures.ts';
import type { NotificationPreferences } from '../../shared/notifications/preferences.ts';
import { anEvent } from '../events/fixtures.ts';
import { motoEventBridge, motoSqs } from '../events/moto-event-clients.ts';
import { sqsEvent } from '../jobs/sqs-event.ts';
import { testAwsEndpoint } from '../support/services.ts';
import { aMessage } from './fixtures.ts';
import { motoModels, motoSes, motoSns } from './moto-notification-clients.ts';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

const endpoint = testAwsEndpoint();
const MAX_RECEIVE_COUNT = 2;
const SENDER_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:chartproof-webhook-sender';
const HOOK_HOST = 'hooks.receiver.example';
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

type SentEmail = { source: string; subject: string; body: string; destinations: { ToAddresses?: string[] } };
type SentSms = { phone_number: string; message: string };
type Hook = { verified: boolean; eventIdHeader: string | undefined; id: string; kind: string };

describe.skipIf(!endpoint)('the AWS notification path against moto_server', () => {
  const url = endpoint ?? '';
  const eventBridge = motoEventBridge(url);
  const sqs = motoSqs(url);
  const ses = motoSes(url);
  const sns = motoSns(url);
  const secrets = new SecretsManagerClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  let receiver: WebhookReceiver;
  /** The webhooks the receiver got, as the assertions compare them. */
  const hooks = (): Hook[] =>
    receiver.received.map(({ verified, eventId, body }) => {
      const { id, kind } = body as { id: string; kind: string };
      return { verified, eventIdHeader: eventId, id, kind };
    });
  let hookUrl: string;
  const webhookSecret = `whsec-${randomUUID()}`;
  const patientHookUrl = `https://${HOOK_HOST}/chartproof`;
  const lambda = mockClient(LambdaClient);

  beforeAll(async () => {
    // The receiver checks each request's signature over the raw body, as README's verification steps say.
    receiver = await startWebhookReceiver(webhookSecret, ({ verified }, response) => void response.writeHead(verified ? 204 : 401).end());
    hookUrl = `${receiver.base}/hook`;

    // The webhook sender function as deployed, its secret on moto; Lambda's RequestResponse
    // invocation played in-process: the result as the payload, or a function error.
    const { ARN } = await secrets.send(new CreateSecretCommand({ Name: `webhook-${randomUUID()}`, SecretString: webhookSecret }));
    const sender = makeSendWebhookHandler(
      await composeWebhookSender(webhookSenderConfigFromEnv({ AWS_REGION: 'us-east-1', CHARTPROOF_WEBHOOK_SECRET_ARN: ARN, POWERTOOLS_LOG_LEVEL: 'SILENT' }), {
        secrets,
        resolver: { resolve: async (hostname) => (hostname === HOOK_HOST ? ['93.184.216.34'] : ['127.0.0.1']) },
        post: (request) => pinnedPost({ ...request, url: hookUrl, addresses: undefined }),
      }),
    );
    lambda.on(InvokeCommand, { FunctionName: SENDER_FUNCTION, InvocationType: 'RequestResponse' }).callsFake(async (input: { Payload: Uint8Array }) => {
      try {
        return { StatusCode: 200, Payload: json(await sender(JSON.parse(new TextDecoder().decode(input.Payload)))) };
      } catch (error) {
        return { StatusCode: 200, FunctionError: 'Unhandled', Payload: json({ errorType: (error as Error).name, errorMessage: (error as Error).message, trace: [] }) };
      }
    });
  });

  afterAll(async () => {
    lambda.restore();
    await receiver.close();
  });

  /** The stack's notification path (infra/constructs/events.ts) in miniature: bus, rule, queue with a DLQ. */
  async function aNotificationPath() {
    const busName = `chartproof-${randomUUID()}`;
    await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
    const dlq = await aQueue(`notifications-dlq-${randomUUID()}`, {});
    const queue = await aQueue(`notifications-${randomUUID()}`, {
      VisibilityTimeout: '30',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: MAX_RECEIVE_COUNT }),
    });
    await eventBridge.send(new PutRuleCommand({ Name: 'notifications', EventBusName: busName, EventPattern: JSON.stringify({ source: ['chartproof'] }) }));
    await eventBridge.send(new PutTargetsCommand({ Rule: 'notifications', EventBusName: busName, Targets: [{ Id: 'notification-queue', Arn: queue.arn }] }));
    return { busName, queue: queue.url, dlq: dlq.url };
  }

  async function aQueue(name: string, attributes: Record<string, string>): Promise<{ url: string; arn: string }> {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    return { url: QueueUrl ?? '', arn: Attributes?.QueueArn ?? '' };
  }

  async function receive(queueUrl: string, want: number, rounds = 10): Promise<Message[]> {
    const messages: Message[] = [];
    for (let round = 0; round < rounds && messages.length < want; round++) {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      messages.push(...(Messages ?? []));
    }
    return messages;
  }

  /** What Lambda's SQS event source does with a partial batch response. */
  async function settle(queueUrl: string, messages: readonly Message[], response: SQSBatchResponse): Promise<void> {
    const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
    const retry = messages.filter((m) => failed.has(m.MessageId ?? ''));
    if (done.length > 0) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) }));
    if (retry.length > 0) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: retry.map((m, i) => ({ Id: `r${i}`, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })) }),
      );
    }
  }

  const asLambdaEvent = (messages: readonly Message[]) => sqsEvent(messages.map((m) => [m.MessageId ?? '', m.Body ?? ''] as const));

  async function aNotifier(preferences: NotificationPreferences) {
    const fromAddress = `alerts-${randomUUID()}@hospital.example`;
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: fromAddress }));
    const config = { CHARTPROOF_EMAIL_SENDER: fromAddress, CHARTPROOF_SMS_SENDER_ID: 'Chartproof', CHARTPROOF_WEBHOOK_SENDER_FUNCTION: SENDER_FUNCTION } as NotifierConfig;
    const channels = await notifierChannels(config, { ses, sns, lambda: new LambdaClient({ region: 'us-east-1' }) });
    const log: JobLog = { info: () => {}, warn: () => {} };
    const notify = makeNotify({
      preferences: everyPatientChose(preferences),
      ledger: new MemoryNotificationLedger(),
      channels,
      // The fixtures' events happened at this time (a real clock would find them expired a month on).
      clock: () => Date.parse(anEvent().at),
      message: { accessLogBaseUrl: 'https://api.example.org/test/' },
    });
    return { handler: makeNotifierHandler({ notify, log }), fromAddress };
  }

  it('delivers published events by SES, SNS and a signed webhook, sends a redelivered event nothing twice, and takes a poison message to the DLQ', async () => {
    // Prepare
    const path = await aNotificationPath();
    const email = `pat-${randomUUID()}@example.org`;
    const phone = `+1415${String(randomInt(10_000_000)).padStart(7, '0')}`;
    const { handler, fromAddress } = await aNotifier({
      channels: [
        { type: 'email', address: email },
        { type: 'sms', address: phone },
        { type: 'webhook', address: patientHookUrl },
      ],
      mode: 'immediate',
    });
    const events: DomainEvent[] = [
      anEvent({ type: 'access.denied', actor: { id: 'dr-a', role: 'practitioner' }, action: 'record.read', reason: 'no-consent' }),
      anEvent({ type: 'access.break-glass', actor: { id: 'dr-b', role: 'practitioner' } }),
      anEvent({ type: 'record.read', actor: { id: 'dr-c', role: 'practitioner' } }),
    ];
    const publisher = new EventBridgePublisher({ client: eventBridge, eventBusName: path.busName });
    const poison = JSON.stringify({ v: 1, id: 'not-a-uuid', type: 'record.read', note: 'free text is refused' });

    // Act: publish, then one batch through the handler
    const published = await publisher.publish(events);
    const poisonPut = await eventBridge.send(new PutEventsCommand({ Entries: [{ EventBusName: path.busName, Source: 'chartproof', DetailType: 'record.read', Detail: poison }] }));
    const firstBatch = await receive(path.queue, 4);
    const firstResponse = await handler(asLambdaEvent(firstBatch));
    await settle(path.queue, firstBatch, firstResponse);

    // Assess: every event reached the queue through the rule, and only the poison message is retried
    const poisonMessage = firstBatch.find((m) => (JSON.parse(m.Body ?? '{}') as { detail: { id: string } }).detail.id === 'not-a-uuid');
    expect({
      published: [...published.published].sort(),
      failed: published.failed,
      poisonPut: poisonPut.FailedEntryCount,
      queued: firstBatch.map((m) => (JSON.parse(m.Body ?? '{}') as { source: string; detail: { id: string } }).detail.id).sort(),
      failures: firstResponse.batchItemFailures,
    }).toEqual({
      published: events.map((e) => e.id).sort(),
      failed: [],
      poisonPut: 0,
      queued: [...events.map((e) => e.id), 'not-a-uuid'].sort(),
      failures: [{ itemIdentifier: poisonMessage?.MessageId }],
    });
    const sent = async () => ({
      emails: (await motoModels<SentEmail>(url, 'ses', 'Message'))
        .filter((m) => m.destinations.ToAddresses?.includes(email))
        .map((m) => ({ source: m.source, subject: m.subject }))
        .sort((a, b) => a.subject.localeCompare(b.subject)),
      sms: (await motoModels<SentSms>(url, 'sns', 'SMS')).filter((m) => m.phone_number === phone).map((m) => m.message.match(/^Chartproof: (dr-\w|practitioner dr-\w)/)?.[1]).sort(),
      hooks: hooks().filter((h) => events.some((e) => e.id === h.id)).sort((a, b) => a.kind.localeCompare(b.kind)),
    });
    const afterFirst = await sent();
    expect(afterFirst).toEqual({
      emails: [
        { source: fromAddress, subject: 'Chartproof: Access to your records was refused' },
        { source: fromAddress, subject: 'Chartproof: Emergency access to your records' },
        { source: fromAddress, subject: 'Chartproof: Your health record was read' },
      ],
      sms: ['practitioner dr-a', 'practitioner dr-b', 'practitioner dr-c'],
      hooks: [
        { verified: true, eventIdHeader: events[1]?.id, id: events[1]?.id, kind: 'access.break-glass' },
        { verified: true, eventIdHeader: events[0]?.id, id: events[0]?.id, kind: 'access.denied' },
        { verified: true, eventIdHeader: events[2]?.id, id: events[2]?.id, kind: 'record.read' },
      ],
    });

    // Act: the relay republishes two events (same ids): at-least-once delivery through the bus again
    const republished = await publisher.publish(events.slice(0, 2));
    const secondBatch = await receive(path.queue, 3); // the two republished, and the poison message's second receipt
    const secondResponse = await handler(asLambdaEvent(secondBatch));
    await settle(path.queue, secondBatch, secondResponse);

    // Assess: nothing sent twice; the poison message failed again
    expect({ republished: republished.failed, received: secondBatch.length, failures: secondResponse.batchItemFailures, sent: await sent() }).toEqual({
      republished: [],
      received: 3,
      failures: [{ itemIdentifier: poisonMessage?.MessageId }],
      sent: afterFirst,
    });

    // Act: past maxReceiveCount the queue moves the poison message to its dead-letter queue
    // (moto, like SQS, moves it when a receive finds it past the count; one receive suffices)
    const thirdBatch = await receive(path.queue, 1, 1);
    const dead = await receive(path.dlq, 1);

    // Assess
    expect({ queue: thirdBatch.length, dead: dead.map((m) => ({ id: m.MessageId, body: (JSON.parse(m.Body ?? '{}') as { detail: unknown }).detail })) }).toEqual({
      queue: 0,
      dead: [{ id: poisonMessage?.MessageId, body: JSON.parse(poison) }],
    });
  });

  it("hands the composition's webhooks to the sender function, whose guard refuses non-public targets", async () => {
    const config = { CHARTPROOF_WEBHOOK_SENDER_FUNCTION: SENDER_FUNCTION } as NotifierConfig;
    const before = hooks().length;

    const channels = await notifierChannels(config, { ses, sns, lambda: new LambdaClient({ region: 'us-east-1' }) });
    const send = channels.webhook?.send({ address: hookUrl.replace('http:', 'https:'), message: aMessage() });

    expect({ email: channels.email, sms: channels.sms !== undefined }).toEqual({ email: undefined, sms: true });
    await expect(send).rejects.toMatchObject({ name: 'WebhookSenderError', errorType: 'WebhookTargetRefusedError' });
    expect(hooks().length).toBe(before);
  });
});
