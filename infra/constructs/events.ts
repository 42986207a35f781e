/**
 * Domain events (ARCHITECTURE.md D4, D5): the Chartproof event bus with an archive (replayable),
 * and the notification path: a rule for source `chartproof` → an SQS queue (KMS-encrypted, TLS
 * only) with a dead-letter queue → the notifier function, once its module exists. Failed
 * deliveries from the rule to the queue land in their own dead-letter queue.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag/acknowledge.ts';
import type { ChartproofFunction } from './chartproof-function.ts';

export const EVENT_SOURCE = 'chartproof';

export type EventsProps = {
  readonly busName: string;
  /** Encrypts the bus, its archive and the queues (events carry ids, never PHI). */
  readonly operationsKey: kms.IKey;
  readonly archiveRetention: Duration;
};

export class Events extends Construct {
  readonly bus: events.EventBus;
  readonly archive: events.Archive;
  readonly notificationRule: events.Rule;
  readonly notificationQueue: sqs.Queue;
  /** Notifications the notifier failed to process five times. */
  readonly notificationDeadLetterQueue: sqs.Queue;
  /** Events the rule could not deliver to the notification queue. */
  readonly deliveryDeadLetterQueue: sqs.Queue;
  private readonly operationsKey: kms.IKey;

  constructor(scope: Construct, id: string, props: EventsProps) {
    super(scope, id);
    this.operationsKey = props.operationsKey;

    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.busName, kmsKey: props.operationsKey });
    // Not bus.archive(): in aws-cdk-lib 2.276 it drops kmsKey. And the bus is named by an ARN built
    // from its name, not by the bus resource: the archive's key-policy statement names the bus, and
    // a reference to the resource would make the key depend on the bus that depends on the key.
    const busByName = events.EventBus.fromEventBusArn(
      this,
      'BusByName',
      Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: props.busName }),
    );
    this.archive = new events.Archive(this, 'Archive', {
      sourceEventBus: busByName,
      description: 'Every Chartproof domain event, for replay',
      eventPattern: { source: [EVENT_SOURCE] },
      retention: props.archiveRetention,
      kmsKey: props.operationsKey,
    });
    this.archive.node.addDependency(this.bus);

    this.notificationDeadLetterQueue = this.deadLetterQueue('NotificationDeadLetterQueue');
    this.deliveryDeadLetterQueue = this.deadLetterQueue('DeliveryDeadLetterQueue');
    // cdk-nag recognises a dead-letter queue by a redrive policy that names it; a rule target's does not count.
    acknowledge(this.deliveryDeadLetterQueue, {
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the notification rule (events EventBridge could not deliver to the notification queue); a dead-letter queue needs none of its own.',
    });
    this.notificationQueue = new sqs.Queue(this, 'NotificationQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.operationsKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      // Six times the notifier's timeout, as Lambda's SQS event source recommends.
      visibilityTimeout: Duration.minutes(3),
      deadLetterQueue: { queue: this.notificationDeadLetterQueue, maxReceiveCount: 5 },
    });

    this.notificationRule = new events.Rule(this, 'NotificationRule', {
      description: 'Chartproof domain events to the notification queue',
      eventBus: this.bus,
      eventPattern: { source: [EVENT_SOURCE] },
      targets: [new targets.SqsQueue(this.notificationQueue, { deadLetterQueue: this.deliveryDeadLetterQueue, retryAttempts: 185 })],
    });
  }

  /** Feeds the notification queue to `notifier` (batch item failures go back to the queue). */
  attachNotifier(notifier: ChartproofFunction): void {
    notifier.function.addEventSource(
      new lambdaEventSources.SqsEventSource(this.notificationQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );
  }

  private deadLetterQueue(id: string): sqs.Queue {
    return new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.operationsKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
  }
}
