import { describe, expect, it } from 'vitest';
import { coalescingKey, decide, isNotifiable, type CoalescingWindow } from '../../shared/notifications/coalesce.ts';
import { anEvent } from '../events/fixtures.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-25T01:00:00.000Z');

/** Runs `decide` over events at the given minutes, storing windows as the notifier does; returns which were sent. */
function run(steps: { minute: number; event: ReturnType<typeof anEvent> }[], mode: 'immediate' | 'digest' = 'immediate') {
  const windows = new Map<string, CoalescingWindow>();
  return steps.map(({ minute, event }) => {
    const key = coalescingKey(event, mode);
    const decision = decide({ event, mode, now: T0 + minute * MINUTE, window: windows.get(key) });
    if (decision.window) windows.set(key, decision.window);
    return decision.send ? `sent(${decision.coalescedBefore})` : 'coalesced';
  });
}

describe('coalescing', () => {
  it('sends the first read and folds the reads of the next 15 minutes into it', () => {
    const reads = [0, 1, 14].map((minute) => ({ minute, event: anEvent() }));

    expect(run(reads)).toEqual(['sent(0)', 'coalesced', 'coalesced']);
  });

  it('sends again once the window has passed, announcing how many were folded', () => {
    const reads = [0, 5, 10, 15].map((minute) => ({ minute, event: anEvent() }));

    expect(run(reads)).toEqual(['sent(0)', 'coalesced', 'coalesced', 'sent(2)']);
  });

  it('keeps separate windows per practitioner', () => {
    const steps = [
      { minute: 0, event: anEvent({ actor: { id: 'dr-a', role: 'practitioner' } }) },
      { minute: 1, event: anEvent({ actor: { id: 'dr-b', role: 'practitioner' } }) },
    ];

    expect(run(steps)).toEqual(['sent(0)', 'sent(0)']);
  });

  it('keeps separate windows per patient', () => {
    const steps = [
      { minute: 0, event: anEvent({ patientId: 'patient-a' }) },
      { minute: 1, event: anEvent({ patientId: 'patient-b' }) },
    ];

    expect(run(steps)).toEqual(['sent(0)', 'sent(0)']);
  });

  it.each(['access.break-glass', 'access.denied', 'integrity.failure'] as const)('always sends %s at once, inside an open window', (type) => {
    const steps = [
      { minute: 0, event: anEvent() },
      { minute: 1, event: anEvent({ type }) },
      { minute: 2, event: anEvent({ type }) },
    ];

    expect(run(steps)).toEqual(['sent(0)', 'sent(0)', 'sent(0)']);
  });

  it('in digest mode folds every practitioner of a patient into one 24-hour window', () => {
    const steps = [
      { minute: 0, event: anEvent({ actor: { id: 'dr-a', role: 'practitioner' } }) },
      { minute: 60, event: anEvent({ actor: { id: 'dr-b', role: 'practitioner' } }) },
      { minute: 24 * 60, event: anEvent({ actor: { id: 'dr-c', role: 'practitioner' } }) },
    ];

    expect(run(steps, 'digest')).toEqual(['sent(0)', 'coalesced', 'sent(1)']);
  });

  it('sends the redelivery of the event that opened the window again, without counting it', () => {
    const event = anEvent();
    const first = decide({ event, mode: 'immediate', now: T0, window: undefined });

    const again = decide({ event, mode: 'immediate', now: T0 + MINUTE, window: first.window });

    expect(again).toEqual({ send: true, coalescedBefore: 0, window: undefined });
  });

  it('honours a configured window length', () => {
    const window: CoalescingWindow = { openedAt: T0, openedBy: 'other', coalesced: 0, carried: 0 };

    const decision = decide({ event: anEvent(), mode: 'immediate', now: T0 + 5 * MINUTE, window, windowMs: 5 * MINUTE });

    expect(decision.send).toBe(true);
  });

  it.each(['record.read', 'record.created', 'record.updated', 'record.listed'] as const)('does not alert a patient about their own %s, whatever their login subject', (type) => {
    const event = anEvent({ type, patientId: '363e3c35-0870-4c51-b001-148f97cb323b', actor: { id: 'patient-1', role: 'patient' } });

    expect(isNotifiable(event)).toBe(false);
  });

  it("alerts the patient the entry concerns when another patient's attempt was denied", () => {
    const event = anEvent({ type: 'access.denied', action: 'record.read', reason: 'not-own-records', patientId: 'patient-a', actor: { id: 'patient-b', role: 'patient' } });

    expect(isNotifiable(event)).toBe(true);
  });

  it.each(['consent.granted', 'consent.revoked', 'patient.registered', 'accesslog.read', 'patient.erased'] as const)('does not alert on %s', (type) => {
    expect(isNotifiable(anEvent({ type }))).toBe(false);
  });
});
