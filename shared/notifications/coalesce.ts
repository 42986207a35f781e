/**
 * Coalescing (ARCHITECTURE.md D5): a burst of accesses becomes one alert per practitioner per
 * patient per window; break-glass, denials and integrity failures always go out at once.
 *
 * Leading-edge: the first event of a window is sent and opens the window; later events inside it
 * are only counted, and the next window's message says how many were folded in. In digest mode
 * the window is per patient (every actor together) and longer. A trailing digest after a quiet
 * window (for a count with no later event) needs a scheduled sweep; that is not this function.
 *
 * Pure: the caller passes the stored window and the time, and stores the returned window.
 */
import type { DomainEvent, DomainEventType } from '../events/domain-event.ts';
import type { NotificationMode } from './preferences.ts';

export const DEFAULT_WINDOW_MS = 15 * 60 * 1000;
export const DEFAULT_DIGEST_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Events that are alerted; the rest (consents the patient gave, registrations, ...) are not. */
export const NOTIFIABLE_TYPES: ReadonlySet<DomainEventType> = new Set([
  'record.created',
  'record.updated',
  'record.read',
  'record.listed',
  'access.denied',
  'access.break-glass',
  'integrity.failure',
]);

/** Sent at once whatever the preferences and windows say. */
export const ALWAYS_IMMEDIATE_TYPES: ReadonlySet<DomainEventType> = new Set(['access.break-glass', 'access.denied', 'integrity.failure']);

export type CoalescingWindow = {
  /** Epoch milliseconds. */
  readonly openedAt: number;
  /** The event whose message opened the window; its redelivery is sent again, not counted. */
  readonly openedBy: string;
  /** Events folded into this window so far. */
  readonly coalesced: number;
  /** Events folded into the previous window, announced by this window's message. */
  readonly carried: number;
};

export type CoalescingDecision =
  | { readonly send: true; readonly coalescedBefore: number; readonly window: CoalescingWindow | undefined }
  | { readonly send: false; readonly window: CoalescingWindow };

/** Whether the patient hears about `event` at all: notifiable, and not the patient's own routine access. */
export function isNotifiable(event: DomainEvent): boolean {
  if (!NOTIFIABLE_TYPES.has(event.type)) return false;
  // A patient's actor id is their login subject, not their patient id, so it cannot be compared with
  // the event's patient. It need not be: a patient is only ever permitted their own records, and
  // their attempts on anyone else's are denials, which always alert.
  const ownAccess = event.actor.role === 'patient';
  return !ownAccess || ALWAYS_IMMEDIATE_TYPES.has(event.type);
}

/** The window key: per patient and actor when immediate, per patient in digest mode. */
export function coalescingKey(event: DomainEvent, mode: NotificationMode): string {
  return mode === 'digest' ? `${event.patientId}/*` : `${event.patientId}/${event.actor.role}:${event.actor.id}`;
}

/**
 * Decides whether to send `event` now. `window` is what is stored under coalescingKey(event, mode);
 * `now` is epoch milliseconds. A returned `window` must be stored (undefined: leave it unchanged).
 */
export function decide(input: {
  event: DomainEvent;
  mode: NotificationMode;
  now: number;
  window: CoalescingWindow | undefined;
  windowMs?: number;
  digestWindowMs?: number;
}): CoalescingDecision {
  const { event, mode, now, window } = input;
  if (ALWAYS_IMMEDIATE_TYPES.has(event.type)) return { send: true, coalescedBefore: 0, window: undefined };
  if (window?.openedBy === event.id) return { send: true, coalescedBefore: window.carried, window: undefined };
  const length = mode === 'digest' ? (input.digestWindowMs ?? DEFAULT_DIGEST_WINDOW_MS) : (input.windowMs ?? DEFAULT_WINDOW_MS);
  if (window !== undefined && now >= window.openedAt && now < window.openedAt + length) {
    return { send: false, window: { ...window, coalesced: window.coalesced + 1 } };
  }
  const carried = window?.coalesced ?? 0;
  return { send: true, coalescedBefore: carried, window: { openedAt: now, openedBy: event.id, coalesced: 0, carried } };
}
