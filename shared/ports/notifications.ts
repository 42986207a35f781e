/**
 * Ports of the notifier (ARCHITECTURE.md D5): where preferences come from, where the notifier keeps
 * what it has done (so a redelivered event never sends twice), and the channels that deliver.
 */
import type { CoalescingWindow } from '../notifications/coalesce.ts';
import type { NotificationMessage } from '../notifications/message.ts';
import type { NotificationPreferences } from '../notifications/preferences.ts';

/**
 * The notifier's reads and writes take a whole batch of events at once (an SQS batch, a relay
 * batch), so that a batch costs a few round trips, not a few per event.
 */
export interface PreferencesLookup {
  /** The current preferences of those of `patientIds` who set any, by patient id. */
  preferencesOf(patientIds: readonly string[]): Promise<Map<string, NotificationPreferences>>;
}

/** What saving preferences found: saved, or refused because the patient is unknown or erased. */
export type SavePreferencesOutcome = 'saved' | 'no-patient' | 'erased';

/**
 * Where the preferences routes keep a patient's preferences (API.md
 * /v1/patients/{patientId}/notification-preferences). The preferences hold contact addresses:
 * personal data that an implementation must never log.
 */
export interface NotificationPreferencesStore {
  /** The saved preferences, or undefined when none were saved (or the patient was erased since). */
  read(patientId: string): Promise<NotificationPreferences | undefined>;
  /** Replaces the patient's preferences; durable once it resolves with 'saved'. Never saves for an erased patient. */
  save(patientId: string, preferences: NotificationPreferences): Promise<SavePreferencesOutcome>;
}

/**
 * What the notifier has done, for idempotency and coalescing. Writes must be durable once they
 * return; the notifier orders them so a crash between two writes can only cause a retry, never a
 * second message on a channel that already confirmed one.
 */
export interface NotificationLedger {
  /** Those of `eventIds` whose handling finished (sent everywhere, coalesced or skipped). */
  seen(eventIds: readonly string[]): Promise<Set<string>>;
  markSeen(eventIds: readonly string[]): Promise<void>;
  /** Those of `deliveries` whose channel already confirmed the message for the event, as deliveryKey(...) strings. */
  delivered(deliveries: readonly Delivery[]): Promise<Set<string>>;
  /** Records one confirmed delivery: called right after the channel confirmed, before anything else is sent. */
  markDelivered(delivery: Delivery): Promise<void>;
  /** The coalescing windows (see coalesce.ts) stored under those of `keys` that have one. */
  windows(keys: readonly string[]): Promise<Map<string, CoalescingWindow>>;
  saveWindows(windows: ReadonlyMap<string, CoalescingWindow>): Promise<void>;
}

/**
 * Forgets what the notifier ledger keeps per event once no copy of the event can still be handled
 * (see NOTIFIER_LEDGER_RETENTION_MS in shared/notifications/notify.ts).
 */
export interface NotificationLedgerPruning {
  /** Deletes seen events and confirmed deliveries older than `olderThanMs`, at most `limit` of each; resolves with how many rows went. */
  pruneLedger(options: { olderThanMs: number; limit: number }): Promise<number>;
}

/** One event's message on one channel; `channelKey` is "type:address". */
export type Delivery = { readonly eventId: string; readonly channelKey: string };

/** A delivery as one string, for sets. */
export const deliveryKey = (delivery: Delivery): string => `${delivery.eventId}\n${delivery.channelKey}`;

/** One delivery channel. `send` resolves once the provider accepted the message and rejects otherwise. */
export interface NotificationSender {
  send(input: { address: string; message: NotificationMessage }): Promise<void>;
}
