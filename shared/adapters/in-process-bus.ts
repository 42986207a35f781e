/**
 * The local-mode event bus (ARCHITECTURE.md D7): an EventPublisher that hands each event to the
 * subscribers in this process, in subscription order.
 *
 * A subscriber's failure is its own: it is reported to `onSubscriberError` and the other
 * subscribers still run, and the event still counts as published, because the bus accepted it
 * (as EventBridge would, whatever its targets do). Events failing the schema are reported failed.
 */
import { DomainEventSchema, type DomainEvent } from '../events/domain-event.ts';
import type { EventPublisher, PublishFailure, PublishOutcome } from '../ports/event-publisher.ts';

export type EventSubscriber = (event: DomainEvent) => void | Promise<void>;

export type InProcessBusOptions = {
  /** Told about each subscriber failure; must not throw. Default: a one-line console.error with ids only. */
  onSubscriberError?: (failure: { eventId: string; error: unknown }) => void;
};

export class InProcessBus implements EventPublisher {
  readonly #subscribers = new Set<EventSubscriber>();
  readonly #onSubscriberError: (failure: { eventId: string; error: unknown }) => void;

  constructor(options: InProcessBusOptions = {}) {
    this.#onSubscriberError =
      options.onSubscriberError ??
      (({ eventId, error }) => console.error(`event subscriber failed for event ${eventId}: ${(error as Error)?.name ?? 'error'}`));
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
    const published: string[] = [];
    const failed: PublishFailure[] = [];
    for (const event of events) {
      const parsed = DomainEventSchema.safeParse(event);
      if (!parsed.success) {
        failed.push({ id: String((event as { id?: unknown }).id), reason: `invalid event: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
        continue;
      }
      await Promise.all([...this.#subscribers].map((subscriber) => this.#deliver(subscriber, parsed.data)));
      published.push(parsed.data.id);
    }
    return { published, failed };
  }

  async #deliver(subscriber: EventSubscriber, event: DomainEvent): Promise<void> {
    try {
      await subscriber(event);
    } catch (error) {
      this.#onSubscriberError({ eventId: event.id, error });
    }
  }
}
