import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coalescingKey, decide, DEFAULT_WINDOW_MS, type CoalescingWindow } from '../../shared/notifications/coalesce.ts';
import { anEvent } from '../events/fixtures.ts';

describe('coalescing (property)', () => {
  it('sends a routine event exactly when no message for its practitioner went out in the last 15 minutes, and announces every folded one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ actor: fc.constantFrom('dr-a', 'dr-b', 'dr-c'), gapMs: fc.integer({ min: 0, max: 20 * 60_000 }), urgent: fc.boolean() }), { maxLength: 60 }),
        (specs) => {
          const windows = new Map<string, CoalescingWindow>();
          const lastSent = new Map<string, number>();
          const folded = new Map<string, number>();
          const announced = new Map<string, number>();
          let now = 0;
          const violations: string[] = [];
          for (const spec of specs) {
            now += spec.gapMs;
            const event = anEvent({ type: spec.urgent ? 'access.denied' : 'record.read', actor: { id: spec.actor, role: 'practitioner' } });
            const key = coalescingKey(event, 'immediate');
            const decision = decide({ event, mode: 'immediate', now, window: windows.get(key) });
            if (decision.window) windows.set(key, decision.window);
            if (spec.urgent) {
              if (!decision.send) violations.push('urgent event held back');
              continue;
            }
            const last = lastSent.get(key);
            const shouldSend = last === undefined || now - last >= DEFAULT_WINDOW_MS;
            if (decision.send !== shouldSend) violations.push(`at ${now} for ${key}: send ${decision.send}, want ${shouldSend}`);
            if (decision.send) {
              lastSent.set(key, now);
              announced.set(key, (announced.get(key) ?? 0) + decision.coalescedBefore);
            } else folded.set(key, (folded.get(key) ?? 0) + 1);
          }
          // Everything folded is announced by a later message, except what the current window still holds.
          for (const [key, count] of folded) {
            if ((announced.get(key) ?? 0) + (windows.get(key)?.coalesced ?? 0) !== count) violations.push(`${key}: folded ${count}, not all accounted for`);
          }
          expect(violations).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
