import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../../shared/adapters/in-process-bus.ts';
import type { DomainEvent } from '../../shared/events/domain-event.ts';
import { anEvent } from './fixtures.ts';

describe('InProcessBus', () => {
  it('delivers the batch to every subscriber at once and reports its events published', async () => {
    const bus = new InProcessBus();
    const first: string[] = [];
    const second: string[] = [];
    const calls: number[] = [];
    bus.subscribe((batch) => void calls.push(batch.length));
    bus.subscribe((batch) => void first.push(...batch.map((event) => event.id)));
    bus.subscribe((batch) => void second.push(...batch.map((event) => event.id)));
    const events = [anEvent(), anEvent()];

    const outcome = await bus.publish(events);

    expect({ outcome, first, second }).toEqual({
      outcome: { published: events.map((e) => e.id), failed: [] },
      first: events.map((e) => e.id),
      second: events.map((e) => e.id),
    });
    expect(calls).toEqual([2]);
  });

  it('keeps delivering to the other subscribers when one throws, and reports the failure', async () => {
    const failures: string[] = [];
    const bus = new InProcessBus({ onSubscriberError: ({ eventIds }) => failures.push(...eventIds) });
    const received: string[] = [];
    bus.subscribe(async () => {
      throw new Error('subscriber down');
    });
    bus.subscribe((batch) => void received.push(...batch.map((event) => event.id)));
    const event = anEvent();

    const outcome = await bus.publish([event]);

    expect({ outcome, received, failures }).toEqual({ outcome: { published: [event.id], failed: [] }, received: [event.id], failures: [event.id] });
  });

  it('stops delivering to an unsubscribed subscriber', async () => {
    const bus = new InProcessBus();
    const received: string[] = [];
    const unsubscribe = bus.subscribe((batch) => void received.push(...batch.map((event) => event.id)));
    unsubscribe();

    await bus.publish([anEvent()]);

    expect(received).toEqual([]);
  });

  it('reports an invalid event as failed and delivers the valid ones', async () => {
    const bus = new InProcessBus();
    const received: string[] = [];
    bus.subscribe((batch) => void received.push(...batch.map((event) => event.id)));
    const bad = { ...anEvent(), note: 'free text' } as DomainEvent;
    const good = anEvent();

    const outcome = await bus.publish([bad, good]);

    expect({ published: outcome.published, failedIds: outcome.failed.map((f) => f.id), received }).toEqual({
      published: [good.id],
      failedIds: [bad.id],
      received: [good.id],
    });
  });
});
