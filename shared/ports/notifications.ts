/**
 * Ports of the notifier (ARCHITECTURE.md D5): where preferences come from, where the notifier keeps
 * what it has done (so a redelivered event never sends twice), and the channels that deliver.
 */
import type { CoalescingWindow } from '../notifications/coalesce.ts';
import type { NotificationMessage } from '../notifications/message.ts';
import type { NotificationPreferences } from '../notifications/preferences.ts';

export interface PreferencesLookup {
  /** The patient's current preferences, or undefined when they never set any. */
  preferencesOf(patientId: string): Promise<NotificationPreferences | undefined>;
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
  /** Whether handling of `eventId` finished (sent everywhere, coalesced or skipped). */
  seen(eventId: string): Promise<boolean>;
  markSeen(eventId: string): Promise<void>;
  /** Whether `channelKey` already confirmed the message for `eventId`. */
  delivered(eventId: string, channelKey: string): Promise<boolean>;
  markDelivered(eventId: string, channelKey: string): Promise<void>;
  /** The coalescing window under `key` (see coalesce.ts), if any. */
  window(key: string): Promise<CoalescingWindow | undefined>;
  saveWindow(key: string, window: CoalescingWindow): Promise<void>;
}

/** One delivery channel. `send` resolves once the provider accepted the message and rejects otherwise. */
export interface NotificationSender {
  send(input: { address: string; message: NotificationMessage }): Promise<void>;
}
