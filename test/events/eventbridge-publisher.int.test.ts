import { randomUUID } from 'node:crypto';
import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge-publisher.ts';
import { testAwsEndpoint } from '../support/services.ts';
import { anEvent } from './fixtures.ts';
import { motoEventBridge, motoSqs } from './moto-event-clients.ts';

const endpoint = testAwsEndpoint();

describe.skipIf(!endpoint)('EventBridgePublisher against moto_server', () => {
  const eventBridge = motoEventBridge(endpoint ?? '');
  const sqs = motoSqs(endpoint ?? '');

  /** A fresh bus whose rule (source chartproof) targets a fresh queue, as the notifier's path does. */
  async function aBusWithQueue(): Promise<{ busName: string; queueUrl: string }> {
    const busName = `chartproof-${randomUUID()}`;
    await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `notifier-${randomUUID()}` }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await eventBridge.send(new PutRuleCommand({ Name: 'to-notifier', EventBusName: busName, EventPattern: JSON.stringify({ source: ['chartproof'] }) }));
    await eventBridge.send(new PutTargetsCommand({ Rule: 'to-notifier', EventBusName: busName, Targets: [{ Id: 'notifier-queue', Arn: Attributes?.QueueArn }] }));
    return { busName, queueUrl: QueueUrl ?? '' };
  }

  async function drain(queueUrl: string, want: number): Promise<{ source: string; 'detail-type': string; detail: { id: string } }[]> {
    const bodies: string[] = [];
    for (let i = 0; i < 10 && bodies.length < want; i++) {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      bodies.push(...(Messages ?? []).map((m) => m.Body ?? ''));
    }
    return bodies.map((body) => JSON.parse(body));
  }

  it('publishes 12 events (two calls) that reach the rule target queue with source chartproof and the detail intact', async () => {
    const { busName, queueUrl } = await aBusWithQueue();
    const publisher = new EventBridgePublisher({ client: eventBridge, eventBusName: busName });
    const events = Array.from({ length: 12 }, (_, i) => anEvent({ type: i % 2 === 0 ? 'record.read' : 'access.denied' }));

    const outcome = await publisher.publish(events);
    const delivered = await drain(queueUrl, 12);

    expect({
      published: [...outcome.published].sort(),
      failed: outcome.failed,
      delivered: delivered.map((m) => ({ source: m.source, type: m['detail-type'], detail: m.detail })).sort((a, b) => a.detail.id.localeCompare(b.detail.id)),
    }).toEqual({
      published: events.map((e) => e.id).sort(),
      failed: [],
      delivered: events.map((e) => ({ source: 'chartproof', type: e.type, detail: e })).sort((a, b) => a.detail.id.localeCompare(b.detail.id)),
    });
  });

  it('reports every event failed, not a rejection, when the bus does not exist', async () => {
    const publisher = new EventBridgePublisher({ client: eventBridge, eventBusName: `missing-${randomUUID()}`, maxAttempts: 2, sleep: async () => {} });
    const event = anEvent();

    const outcome = await publisher.publish([event]);

    expect({ published: outcome.published, failedIds: outcome.failed.map((f) => f.id) }).toEqual({ published: [], failedIds: [event.id] });
  });
});
