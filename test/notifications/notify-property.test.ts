import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALWAYS_IMMEDIATE_TYPES } from '../../shared/notifications/coalesce.ts';
import { MemoryNotificationLedger } from '../../shared/notifications/memory-ledger.ts';
import type { DomainEvent } from '../../shared/events/domain-event.ts';
import { makeNotify, type NotifyOutcome } from '../../shared/notifications/notify.ts';
import type { NotificationSender } from '../../shared/ports/notifications.ts';
import { anEvent } from '../events/fixtures.ts';
import { everyPatientChose } from './fixtures.ts';

const types = ['record.read', 'record.listed', 'access.denied', 'access.break-glass'] as const;

describe('notify under redelivery (property)', () => {
  it('never sends one event twice on a channel, and sends every urgent event once on every channel once retries succeed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ type: fc.constantFrom(...types), actor: fc.constantFrom('dr-a', 'dr-b'), minutes: fc.integer({ min: 0, max: 20 }) }), { minLength: 1, maxLength: 15 }),
        fc.array(fc.nat(), { minLength: 0, maxLength: 30 }),
        fc.infiniteStream(fc.boolean()),
        async (specs, redeliveries, failures) => {
          const sent: string[] = [];
          const flaky = (channel: string): NotificationSender => ({
            send: async ({ message }) => {
              if (failures.next().value) throw new Error('provider unavailable');
              sent.push(`${message.id}/${channel}`);
            },
          });
          let now = Date.parse('2026-11-25T01:00:00.000Z');
          const notifyMany = makeNotify({
            preferences: everyPatientChose({ channels: [{ type: 'email', address: 'pat@example.org' }, { type: 'sms', address: '+14155550123' }], mode: 'immediate' }),
            ledger: new MemoryNotificationLedger(),
            channels: { email: flaky('email'), sms: flaky('sms') },
            clock: () => now,
            message: { accessLogBaseUrl: 'https://app.example.org' },
          });
          const notify = async (event: DomainEvent) => (await notifyMany([event]))[0] as NotifyOutcome;
          const events = specs.map((spec) => anEvent({ type: spec.type, actor: { id: spec.actor, role: 'practitioner' } }));
          // Deliver in order, each followed by some redeliveries of earlier events, then retry failures until none are left (as SQS would).
          const pending = new Set<number>();
          for (const [i, event] of events.entries()) {
            now += specs[i]!.minutes * 60_000;
            if ((await notify(event)).status === 'failed') pending.add(i);
            for (const r of redeliveries.splice(0, 2)) {
              const j = r % (i + 1);
              const status = (await notify(events[j]!)).status;
              if (status === 'failed') pending.add(j);
              else pending.delete(j);
            }
          }
          for (let round = 0; pending.size > 0 && round < 200; round++) {
            for (const j of [...pending]) if ((await notify(events[j]!)).status !== 'failed') pending.delete(j);
          }

          const duplicates = sent.filter((key, i) => sent.indexOf(key) !== i);
          const urgentMissing = events
            .filter((e) => ALWAYS_IMMEDIATE_TYPES.has(e.type))
            .flatMap((e) => [`${e.id}/email`, `${e.id}/sms`])
            .filter((key) => !sent.includes(key));
          expect({ duplicates, urgentMissing, pending: pending.size }).toEqual({ duplicates: [], urgentMissing: [], pending: 0 });
        },
      ),
      { numRuns: 100 },
    );
  });
});
