import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgePublisher, MAX_BYTES_PER_CALL } from '../../shared/adapters/eventbridge-publisher.ts';
import { anEvent } from './fixtures.ts';

const eventBridge = mockClient(EventBridgeClient);

/** Accepts every entry except those whose detail id is in `refuse` (each refused `times` calls). */
function refuseSome(refuse: Map<string, number>) {
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
    const entries = input.Entries.map((entry) => {
      const id = (JSON.parse(entry.Detail ?? '{}') as { id: string }).id;
      const left = refuse.get(id) ?? 0;
      if (left > 0) {
        refuse.set(id, left - 1);
        return { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' };
      }
      return { EventId: `eb-${id}` };
    });
    return { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries };
  });
}

const sentIds = (call: number): string[] =>
  (eventBridge.commandCalls(PutEventsCommand)[call]?.args[0].input.Entries ?? []).map((e) => (JSON.parse(e.Detail ?? '{}') as { id: string }).id);

describe('EventBridgePublisher (mocked client)', () => {
  const sleeps: number[] = [];
  const publisher = (maxAttempts = 4) =>
    new EventBridgePublisher({ client: new EventBridgeClient({ region: 'us-east-1' }), eventBusName: 'chartproof', maxAttempts, baseDelayMs: 100, sleep: async (ms) => void sleeps.push(ms) });

  beforeEach(() => {
    eventBridge.reset();
    sleeps.length = 0;
  });

  it('sends source chartproof, the type as detail-type and the event as detail', async () => {
    refuseSome(new Map());
    const event = anEvent();

    await publisher().publish([event]);

    expect(eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]).toMatchObject({
      Source: 'chartproof',
      DetailType: 'record.read',
      EventBusName: 'chartproof',
      Detail: JSON.stringify(event),
    });
  });

  it('sends 25 events in batches of 10, 10 and 5', async () => {
    refuseSome(new Map());
    const events = Array.from({ length: 25 }, () => anEvent());

    const outcome = await publisher().publish(events);

    expect({ sizes: eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length), published: outcome.published.length }).toEqual({
      sizes: [10, 10, 5],
      published: 25,
    });
  });

  it('keeps each call within 256 KB', async () => {
    refuseSome(new Map());
    // About 60 KB each: 1000 record ids of 60 characters.
    const big = () => anEvent({ recordIds: Array.from({ length: 1000 }, (_, i) => `r${String(i).padStart(59, '0')}`) });
    const events = Array.from({ length: 9 }, big);

    await publisher().publish(events);

    const callBytes = eventBridge.commandCalls(PutEventsCommand).map((c) => (c.args[0].input.Entries ?? []).reduce((n, e) => n + Buffer.byteLength(e.Detail ?? ''), 0));
    expect({ calls: callBytes.length, withinLimit: callBytes.every((n) => n <= MAX_BYTES_PER_CALL) }).toEqual({ calls: 3, withinLimit: true });
  });

  it('retries only the refused entries, after a backoff', async () => {
    const events = [anEvent(), anEvent(), anEvent()];
    refuseSome(new Map([[events[1]!.id, 1]]));

    const outcome = await publisher().publish(events);

    expect({ retried: sentIds(1), published: [...outcome.published].sort(), failed: outcome.failed, sleeps }).toEqual({
      retried: [events[1]!.id],
      published: events.map((e) => e.id).sort(),
      failed: [],
      sleeps: [100],
    });
  });

  it('reports an entry still refused after the last attempt as failed, with the error code, and the rest as published', async () => {
    const events = [anEvent(), anEvent()];
    refuseSome(new Map([[events[0]!.id, 99]]));

    const outcome = await publisher(3).publish(events);

    expect({ calls: eventBridge.commandCalls(PutEventsCommand).length, outcome, sleeps }).toEqual({
      calls: 3,
      outcome: { published: [events[1]!.id], failed: [{ id: events[0]!.id, reason: 'ThrottlingException: Rate exceeded (after 3 attempts)' }] },
      sleeps: [100, 200],
    });
  });

  it('retries a whole batch whose call threw, and reports the error when it keeps throwing', async () => {
    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    const event = anEvent();

    const outcome = await publisher(2).publish([event]);

    expect({ calls: eventBridge.commandCalls(PutEventsCommand).length, outcome }).toEqual({
      calls: 2,
      outcome: { published: [], failed: [{ id: event.id, reason: 'PutEvents failed: TimeoutError: socket hang up (after 2 attempts)' }] },
    });
  });

  it('refuses maxAttempts below 1', () => {
    const make = () => publisher(0);

    expect(make).toThrow(RangeError);
  });
});
