/**
 * Delivering outbox items (ARCHITECTURE.md D4): derive each item's event from its journal entry,
 * hand the events to the bus, and record per item whether the bus took it. Shared by the writer's
 * publication right after commit (outbox-dispatcher.ts) and the relay (outbox-relay.ts).
 */
import type { EventPublisher } from '../ports/event-publisher.ts';
import type { Outbox, OutboxFailure } from '../ports/outbox.ts';
import type { DomainEvent } from './domain-event.ts';
import { eventFromEntry } from './event-from-entry.ts';

/** Exponential backoff between the relay's attempts at one item. */
export type Backoff = { readonly baseMs: number; readonly maxMs: number };

export const DEFAULT_BACKOFF: Backoff = { baseMs: 1_000, maxMs: 5 * 60_000 };

/** The delay before the next attempt at an item that has failed `attempts` times before this failure. */
export function retryDelayMs(attempts: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempts, 30));
}

export type OutboxDeliveryDeps = {
  readonly outbox: Outbox;
  readonly publisher: EventPublisher;
  readonly backoff?: Backoff;
};

export type DeliveryCounts = { readonly published: number; readonly failed: number };

/**
 * Publishes the events of `items` and records the outcome in the outbox. An entry that is not a
 * journal entry (which the journal's own checks make impossible) is recorded as failed at the
 * longest backoff rather than dropped, so the stuck item is visible in the outbox.
 */
export async function deliverOutboxItems(
  deps: OutboxDeliveryDeps,
  items: readonly { readonly index: number; readonly entry: Uint8Array; readonly attempts: number }[],
): Promise<DeliveryCounts> {
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const failures: OutboxFailure[] = [];
  const events: DomainEvent[] = [];
  const itemOf = new Map<string, { index: number; attempts: number }>();
  for (const item of items) {
    let event: DomainEvent;
    try {
      event = eventFromEntry(item.index, item.entry);
    } catch (error) {
      failures.push({ index: item.index, retryInMs: backoff.maxMs, reason: `unreadable entry: ${(error as Error)?.name ?? 'Error'}` });
      continue;
    }
    events.push(event);
    itemOf.set(event.id, item);
  }

  const outcome = events.length === 0 ? { published: [], failed: [] } : await deps.publisher.publish(events);
  const published = outcome.published.flatMap((id) => itemOf.get(id)?.index ?? []);
  for (const failure of outcome.failed) {
    const item = itemOf.get(failure.id);
    if (item !== undefined) failures.push({ index: item.index, retryInMs: retryDelayMs(item.attempts, backoff), reason: failure.reason });
  }
  await deps.outbox.markPublished(published);
  await deps.outbox.markFailed(failures);
  return { published: published.length, failed: failures.length };
}
