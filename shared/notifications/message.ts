/**
 * The alert text (ARCHITECTURE.md D5): who, when, what kind of access, and a link to the access log.
 * No clinical content, no record titles, no break-glass reason: only the actor (a display name the
 * organization configured for its staff, or the role and id), the time and the kind. Short enough
 * for two SMS segments.
 */
import type { DomainEvent, DomainEventType } from '../events/domain-event.ts';

export type MessageConfig = {
  /** Where the patient's app lives; the access-log link is built under it. Requires an absolute URL. */
  readonly accessLogBaseUrl: string;
  /** Display names for staff actor ids, from configuration. */
  readonly displayNames?: Readonly<Record<string, string>>;
};

export type NotificationMessage = {
  /** The event id: channels pass it on so receivers can deduplicate too. */
  readonly id: string;
  readonly kind: DomainEventType;
  readonly at: string;
  readonly subject: string;
  readonly text: string;
  readonly link: string;
};

const WHAT: Partial<Record<DomainEventType, { subject: string; phrase: string }>> = {
  'record.read': { subject: 'Your health record was read', phrase: 'read one of your health records' },
  'record.listed': { subject: 'Your health records were viewed', phrase: 'viewed the list of your health records' },
  'record.created': { subject: 'A health record was added', phrase: 'added a health record for you' },
  'record.updated': { subject: 'A health record was updated', phrase: 'updated one of your health records' },
  'access.denied': { subject: 'Access to your records was refused', phrase: 'was refused access to your health records' },
  'access.break-glass': { subject: 'Emergency access to your records', phrase: 'used emergency (break-glass) access to your health records' },
  'integrity.failure': { subject: 'A stored record failed its integrity check', phrase: 'found that a stored health record failed its integrity check' },
};

/** Composes the alert for `event`; `coalescedBefore` similar alerts from the previous window are mentioned. */
export function composeMessage(input: { event: DomainEvent; coalescedBefore: number; config: MessageConfig }): NotificationMessage {
  const { event, coalescedBefore, config } = input;
  const what = WHAT[event.type] ?? { subject: 'Activity on your health records', phrase: `did ${event.type}` };
  const who = event.type === 'integrity.failure' ? 'Chartproof' : (config.displayNames?.[event.actor.id] ?? `${event.actor.role} ${event.actor.id}`);
  const link = accessLogLink(config.accessLogBaseUrl, event);
  const more = coalescedBefore > 0 ? ` ${coalescedBefore} similar earlier alert${coalescedBefore === 1 ? ' was' : 's were'} combined.` : '';
  return {
    id: event.id,
    kind: event.type,
    at: event.at,
    subject: `Chartproof: ${what.subject}`,
    text: `Chartproof: ${who} ${what.phrase} at ${event.at.replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC')}.${more} Access log: ${link}`,
    link,
  };
}

function accessLogLink(baseUrl: string, event: DomainEvent): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const url = new URL(`v1/patients/${encodeURIComponent(event.patientId)}/access-log`, base);
  url.searchParams.set('since', event.at);
  return url.toString();
}
