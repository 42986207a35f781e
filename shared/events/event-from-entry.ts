/**
 * The domain event of a journal entry (ARCHITECTURE.md D4). Each entry type is an event type of the
 * same name, and the event carries the entry's identifiers, never more: the journal's rules already
 * keep PHI out of entries, and the event drops even what an entry holds beyond ids (hashes, consent
 * terms, the hash of a break-glass reason).
 *
 * The event id is derived from the entry's place in the journal (index and leaf hash), so every
 * republication of the entry's event, by any process and after any crash, carries the same id, and
 * consumers deduplicate by it. It is an RFC 9562 version 8 UUID (the custom version) whose 122
 * free bits come from a domain-separated SHA-256.
 */
import { createHash } from 'node:crypto';
import type { Hash } from '../ledger/hashing.ts';
import { leafHash } from '../ledger/hashing.ts';
import { parseEntryBytes, type JournalEntry } from '../ledger/entry.ts';
import { encodeBase64 } from '../ledger/strict-base64.ts';
import { makeDomainEvent, type DomainEvent, type NewDomainEvent } from './domain-event.ts';

const EVENT_ID_DOMAIN = 'chartproof/event-id/v1\n';

/** The stable event id of the entry at `index` whose leaf hash is `leaf`. */
export function eventIdOf(index: number, leaf: Hash): string {
  const position = Buffer.alloc(8);
  position.writeBigUInt64BE(BigInt(index));
  const digest = createHash('sha256').update(EVENT_ID_DOMAIN).update(position).update(leaf).digest();
  digest[6] = 0x80 | (digest[6]! & 0x0f); // version 8
  digest[8] = 0x80 | (digest[8]! & 0x3f); // variant 10
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The event announcing the journal entry `entry` (its canonical bytes) at `index`. Throws
 * EntryFormatError when the bytes are not a journal entry, and DomainEventFormatError if the
 * entry's fields do not fit an event (which the shared id and code rules make impossible).
 */
export function eventFromEntry(index: number, entry: Uint8Array): DomainEvent {
  const parsed = parseEntryBytes(entry);
  const leaf = leafHash(entry);
  const fields: NewDomainEvent = {
    type: parsed.type,
    at: parsed.at,
    patientId: parsed.patient,
    actor: { id: parsed.actor.id, role: parsed.actor.role },
    receipt: { index, leafHash: encodeBase64(leaf) },
    ...detailsOf(parsed),
  };
  return makeDomainEvent(fields, () => eventIdOf(index, leaf));
}

function detailsOf(entry: JournalEntry): Pick<NewDomainEvent, 'recordIds' | 'consentId' | 'action' | 'reason'> {
  switch (entry.type) {
    case 'record.created':
    case 'record.updated':
    case 'record.read':
    case 'access.break-glass':
    case 'integrity.failure':
      return { recordIds: [entry.record.id] };
    case 'record.listed':
      return { recordIds: entry.recordIds };
    case 'access.denied':
      return { action: entry.action, reason: entry.reason, ...(entry.recordIds === undefined ? {} : { recordIds: entry.recordIds }) };
    case 'consent.granted':
    case 'consent.revoked':
      return { consentId: entry.consent.id };
    case 'patient.registered':
    case 'accesslog.read':
    case 'patient.erased':
      return {};
  }
}
