import { composeMessage, type NotificationMessage } from '../../shared/notifications/message.ts';
import type { NotificationPreferences } from '../../shared/notifications/preferences.ts';
import type { PreferencesLookup } from '../../shared/ports/notifications.ts';
import { anEvent } from '../events/fixtures.ts';

/** A composed alert for a break-glass read. */
export function aMessage(): NotificationMessage {
  return composeMessage({ event: anEvent({ type: 'access.break-glass' }), coalescedBefore: 0, config: { accessLogBaseUrl: 'https://app.example.org' } });
}

/** A lookup where every patient chose `preferences` (null: nobody chose anything). */
export function everyPatientChose(preferences: NotificationPreferences | null): PreferencesLookup {
  return { preferencesOf: async (patientIds) => new Map(preferences === null ? [] : patientIds.map((id) => [id, preferences] as const)) };
}
