/**
 * A fault-injecting EventPublisher for the outbox tests: in front of a real publisher, it can be
 * down (nothing delivered, every event reported failed), lose responses (every event delivered but
 * reported failed, as when a PutEvents response never arrives), or fail a random share of events.
 */
import type { DomainEvent } from '../../shared/events/domain-event.ts';
import type { EventPublisher, PublishOutcome } from '../../shared/ports/event-publisher.ts';

export type FaultMode = 'up' | 'down' | 'lost-response' | 'flaky';

export class FaultyPublisher implements EventPublisher {
  mode: FaultMode = 'up';
  /** Events handed to the real publisher, by id (a redelivery counts again). */
  readonly delivered = new Map<string, number>();
  readonly #inner: EventPublisher;
  readonly #random: () => number;

  constructor(inner: EventPublisher, random: () => number = Math.random) {
    this.#inner = inner;
    this.#random = random;
  }

  async publish(events: readonly DomainEvent[]): Promise<PublishOutcome> {
    const fail = (list: readonly DomainEvent[], reason: string) => list.map((event) => ({ id: event.id, reason }));
    switch (this.mode) {
      case 'down':
        return { published: [], failed: fail(events, 'injected: bus unreachable') };
      case 'lost-response':
        await this.#deliver(events);
        return { published: [], failed: fail(events, 'injected: response lost') };
      case 'flaky': {
        const refused = events.filter(() => this.#random() < 0.5);
        const accepted = events.filter((event) => !refused.includes(event));
        const outcome = await this.#deliver(accepted);
        return { published: outcome.published, failed: [...outcome.failed, ...fail(refused, 'injected: entry refused')] };
      }
      case 'up':
        return this.#deliver(events);
    }
  }

  async #deliver(events: readonly DomainEvent[]): Promise<PublishOutcome> {
    for (const event of events) this.delivered.set(event.id, (this.delivered.get(event.id) ?? 0) + 1);
    return events.length === 0 ? { published: [], failed: [] } : this.#inner.publish(events);
  }
}
