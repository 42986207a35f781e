/**
 * The local-mode event bus (ARCHITECTURE.md D7): an EventPublisher that hands each published batch
 * of events to the subscribers in this process, in subscription order, as an SQS batch reaches the
 * notifier in AWS.
 *
 * A subscriber's failure is its own: it is reported to `onSubscriberError` and the other
 * subscribers still run, and the event still counts as published, because the bus accepted it
 * (as EventBridge would, whatever its targets do). Events failing the schema are reported failed.
 */
import { DomainEventSchema, type DomainEvent } from '../events/domain-event.ts';
import type { EventPublisher, PublishFailure, PublishOutcome } from '../ports/event-publisher.ts';

export type EventSubscriber = (events: readonly DomainEvent[]) => void | Promise<void>;

export type InProcessBusOptions = {
  /** Told about each subscriber failure; must not throw. Default: a one-line console.error with ids only. */
  onSubscriberError?: (failure: { eventIds: string[]; error: unknown }) => void;
};

export class InProcessBus implements EventPublisher {
  readonly #subscribers = new Set<EventSubscriber>();
  readonly #onSubscriberError: (failure: { eventIds: string[]; error: unknown }) => void;

  constructor(options: InProcessBusOptions = {}) {
    this.#onSubscriberError =
      options.onSubscriberError ??
      (({ eventIds, error }) => console.error(`event subscriber failed for events ${eventIds.join(', ')}: ${(error as Error)?.name ?? 'error'}`));
  }

  /** Adds `subscriber`; returns the function that removes it. */
  subscribe(subscriber: EventSubscriber): () => void {
    // Wrap so the same function may subscribe twice and unsubscribe each independently.
    const entry: EventSubscriber = (event) => subscriber(event);
    this.#subscribers.add(entry);
    return () => {
      this.#subscribers.delete(entry);
    };
  }

  async publish(events: readonly DomainEvent[]): Promise<PublishOutcome> {
    const valid: DomainEvent[] = [];
    const failed: PublishFailure[] = [];
    for (const event of events) {
      const parsed = DomainEventSchema.safeParse(event);
      if (parsed.success) valid.push(parsed.data);
      else failed.push({ id: String((event as { id?: unknown }).id), reason: `invalid event: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
    }
    if (valid.length > 0) await Promise.all([...this.#subscribers].map((subscriber) => this.#deliver(subscriber, valid)));
    return { published: valid.map((event) => event.id), failed };
  }

  async #deliver(subscriber: EventSubscriber, events: readonly DomainEvent[]): Promise<void> {
    try {
      await subscriber(events);
    } catch (error) {
      this.#onSubscriberError({ eventIds: events.map((event) => event.id), error });
    }
  }
}
