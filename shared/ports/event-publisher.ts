/**
 * The EventPublisher port (ARCHITECTURE.md D4): hands domain events to the bus.
 *
 * Contract:
 * - At-least-once: an event reported as published has been accepted by the bus; an event reported
 *   as failed may still have landed (a lost response), so the outbox republishes it and consumers
 *   deduplicate by event id.
 * - Partial failure is per event: every input id appears exactly once, in `published` or in
 *   `failed`. `publish` rejects only when it could not report at all (a programming error), never
 *   for a bus outage: that is a `failed` entry per event.
 */
import type { DomainEvent } from '../events/domain-event.ts';

export type PublishFailure = { readonly id: string; readonly reason: string };

export type PublishOutcome = { readonly published: string[]; readonly failed: PublishFailure[] };

export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<PublishOutcome>;
}
