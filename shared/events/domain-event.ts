/**
 * Domain events (ARCHITECTURE.md D4): what the outbox publishes to EventBridge after a journal entry
 * commits, with source `chartproof` and the event's `type` as the detail-type.
 *
 * Events leave the PHI boundary (EventBridge, SQS, the notifier, dead-letter queues), so the
 * detail is held to the journal's rules and stricter: identifiers, an action kind, the actor's role
 * and id, a time and the journal receipt `{index, leafHash}` that lets a consumer verify the entry.
 * Never clinical content, names or free text; every object is strict, so an extra field (a
 * "note", a reason typed by a person) is rejected rather than carried along.
 *
 * `id` is a random UUID fixed when the event is made and kept across republishing: delivery is
 * at-least-once and consumers deduplicate by it.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { ActorRoleSchema, Base64HashSchema } from '../ledger/entry.ts';

/** The EventBridge `Source` of every Chartproof event. */
export const EVENT_SOURCE = 'chartproof';

/** The current detail version; a consumer refuses versions it does not know. */
export const DOMAIN_EVENT_VERSION = 1;

/** Every detail-type, one per journaled action worth announcing. */
export const DOMAIN_EVENT_TYPES = [
  'patient.registered',
  'record.created',
  'record.updated',
  'record.read',
  'record.listed',
  'access.denied',
  'access.break-glass',
  'consent.granted',
  'consent.revoked',
  'accesslog.read',
  'patient.erased',
  'integrity.failure',
] as const;

export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];

const MAX_RECORD_IDS = 1000;

// The journal's conventions (shared/ledger/entry.ts), which exports only the hash and role schemas:
// identifiers and codes of 1..64 safe characters, times as toISOString writes them.
const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be an identifier: 1-64 of A-Z a-z 0-9 . _ : -, starting with a letter or digit');
const Code = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a code: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit');
const Timestamp = z.iso.datetime({ precision: 3 });

/** Where the event's entry sits in the journal (API.md "Receipts"). */
export const EventReceiptSchema = z.strictObject({ index: z.int().min(0), leafHash: Base64HashSchema });

export const DomainEventSchema = z.strictObject({
  v: z.literal(DOMAIN_EVENT_VERSION),
  id: z.uuid(),
  type: z.enum(DOMAIN_EVENT_TYPES),
  at: Timestamp,
  patientId: Id,
  actor: z.strictObject({ id: Id, role: ActorRoleSchema }),
  receipt: EventReceiptSchema,
  /** The records concerned, when the action names any. */
  recordIds: z.array(Id).max(MAX_RECORD_IDS).optional(),
  /** The consent concerned, for consent events. */
  consentId: Id.optional(),
  /** For access.denied: what was attempted ("record.read") and the refusal code ("no-consent"). Codes, not prose. */
  action: Code.optional(),
  reason: Code.optional(),
});

export type DomainEvent = z.infer<typeof DomainEventSchema>;

/** Something that claims to be a domain event is not one. */
export class DomainEventFormatError extends Error {
  override name = 'DomainEventFormatError';
}

/** Validates `value` as a domain event detail; throws DomainEventFormatError naming the first bad field. */
export function parseDomainEvent(value: unknown): DomainEvent {
  const result = DomainEventSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue === undefined || issue.path.length === 0 ? 'event' : issue.path.join('.');
  throw new DomainEventFormatError(`${path}: ${issue?.message ?? 'invalid'}`);
}

export type NewDomainEvent = Omit<DomainEvent, 'v' | 'id'>;

/**
 * Makes a validated event with a fresh id. `newId` is injectable so tests get stable ids.
 * Throws DomainEventFormatError when the fields break the schema.
 */
export function makeDomainEvent(fields: NewDomainEvent, newId: () => string = randomUUID): DomainEvent {
  return parseDomainEvent({ ...fields, v: DOMAIN_EVENT_VERSION, id: newId() });
}
