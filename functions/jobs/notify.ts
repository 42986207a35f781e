/**
 * The notifier Lambda (ARCHITECTURE.md D5): a batch from the notification queue in, an SQS partial
 * batch response out, so that only the messages that failed (a channel refused, or a body that is
 * not a domain event) return to the queue, and after the queue's retries its dead-letter queue.
 *
 * Each outcome is logged with the event id, type, status and the failing channels' error names
 * only: never an address, a message text or an error message (a provider's message can quote the
 * address it refused).
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { DomainEvent } from '../../shared/events/domain-event.ts';
import { notifyBatch, type Notify, type NotifyOutcome } from '../../shared/notifications/notify.ts';
import { jobHandler, type JobLog } from '../aws/job-handler.ts';

export type NotifierJobDeps = {
  notify: Notify;
  log: JobLog;
};

export function makeNotifierHandler(deps: NotifierJobDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const { log } = deps;
  const notify: Notify = async (events) => {
    const outcomes = await deps.notify(events);
    outcomes.forEach((outcome: NotifyOutcome, position) => {
      const attributes = {
        eventId: outcome.eventId,
        eventType: (events[position] as DomainEvent).type,
        status: outcome.status,
        failedChannels: outcome.failures.map((failure) => failure.channel),
        // ChannelFailure.reason is "<error name>: <message>"; only the name may be logged.
        errors: outcome.failures.map((failure) => failure.reason.split(':', 1)[0]),
      };
      if (outcome.status === 'failed') log.warn('notification failed', attributes);
      else log.info('notification handled', attributes);
    });
    return outcomes;
  };

  return async (event) => {
    const items = event.Records.map((record) => ({ itemId: record.messageId, body: record.body }));
    const { outcomes, retryItemIds } = await notifyBatch(notify, items);
    for (const outcome of outcomes) {
      if (outcome.status === 'invalid') log.warn('queue message refused', { messageId: outcome.itemId, status: outcome.status });
    }
    return { batchItemFailures: retryItemIds.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export const handler = jobHandler(makeNotifierHandler, async () => (await import('../aws/compose-notifier.ts')).awsNotifierDeps());
