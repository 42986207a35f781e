import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entrySize, EventBridgePublisher, MAX_BYTES_PER_CALL, MAX_ENTRIES_PER_CALL } from '../../shared/adapters/eventbridge-publisher.ts';
import { anEvent } from './fixtures.ts';

const eventBridge = mockClient(EventBridgeClient);
const idOf = (entry: PutEventsRequestEntry) => (JSON.parse(entry.Detail ?? '{}') as { id: string }).id;

describe('EventBridgePublisher batching (property)', () => {
  it('sends every event exactly once, in order, in calls within 10 entries and 256 KB, under random partial failures', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ recordIds: fc.integer({ min: 0, max: 1000 }), refusals: fc.integer({ min: 0, max: 3 }) }), { maxLength: 40 }),
        async (specs) => {
          eventBridge.reset();
          const events = specs.map((spec) => anEvent({ recordIds: Array.from({ length: spec.recordIds }, (_, i) => `r${String(i).padStart(59, '0')}`) }));
          const refusalsLeft = new Map(events.map((event, i) => [event.id, specs[i]!.refusals]));
          eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
            const entries = input.Entries.map((entry) => {
              const left = refusalsLeft.get(idOf(entry)) ?? 0;
              refusalsLeft.set(idOf(entry), left - 1);
              return left > 0 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' } : { EventId: 'x' };
            });
            return { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries };
          });
          const publisher = new EventBridgePublisher({ client: new EventBridgeClient({ region: 'us-east-1' }), eventBusName: 'b', maxAttempts: 3, sleep: async () => {} });

          const outcome = await publisher.publish(events);

          const calls = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
          const firstCallOrder = calls.flat().map(idOf).filter((id, i, all) => all.indexOf(id) === i);
          expect(calls.every((entries) => entries.length <= MAX_ENTRIES_PER_CALL && entries.reduce((n, e) => n + entrySize(e), 0) <= MAX_BYTES_PER_CALL)).toBe(true);
          expect(firstCallOrder).toEqual(events.map((e) => e.id));
          expect([...outcome.published, ...outcome.failed.map((f) => f.id)].sort()).toEqual(events.map((e) => e.id).sort());
          expect(outcome.failed.map((f) => f.id).sort()).toEqual(events.filter((_, i) => specs[i]!.refusals >= 3).map((e) => e.id).sort());
        },
      ),
      { numRuns: 60 },
    );
  });
});
