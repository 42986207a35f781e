/**
 * Events derived from journal entries: one per entry type, only identifiers, and an id that is the
 * same however often the entry's event is made.
 */
import { describe, expect, it } from 'vitest';
import { DomainEventSchema, DOMAIN_EVENT_TYPES } from '../../shared/events/domain-event.ts';
import { eventFromEntry, eventIdOf } from '../../shared/events/event-from-entry.ts';
import { entryBytes, JOURNAL_ENTRY_TYPES, type JournalEntry } from '../../shared/ledger/entry.ts';
import { leafHash } from '../../shared/ledger/hashing.ts';

const at = '2026-11-25T03:00:00.000Z';
const actor = { id: 'dr-house', role: 'practitioner' } as const;
const sha = Buffer.alloc(32, 7).toString('base64');
const record = { id: 'record-1', version: 2, sha256: sha, category: 'labs' };
const common = { v: 1, at, actor, patient: 'patient-1' } as const;

const examples: JournalEntry[] = [
  { ...common, type: 'patient.registered' },
  { ...common, type: 'record.created', record },
  { ...common, type: 'record.updated', record },
  { ...common, type: 'record.read', record },
  { ...common, type: 'record.listed', recordIds: ['record-1', 'record-2'] },
  { ...common, type: 'access.denied', action: 'record.read', reason: 'no-consent', recordIds: ['record-1'] },
  { ...common, type: 'access.break-glass', record, reasonSha256: sha },
  { ...common, type: 'consent.granted', consent: { id: 'consent-1', grantee: 'dr-house', scope: { categories: ['labs'] }, purpose: 'treatment' } },
  { ...common, type: 'consent.revoked', consent: { id: 'consent-1' } },
  { ...common, type: 'accesslog.read', since: at },
  { ...common, type: 'patient.erased' },
  { ...common, type: 'integrity.failure', record, observedSha256: sha },
];

describe('eventFromEntry', () => {
  it('has an example for every entry type, and every entry type is an event type', () => {
    expect(examples.map((entry) => entry.type).sort()).toEqual([...JOURNAL_ENTRY_TYPES].sort());
    expect([...DOMAIN_EVENT_TYPES].sort()).toEqual([...JOURNAL_ENTRY_TYPES].sort());
  });

  it.each(examples.map((entry) => [entry.type, entry] as const))('announces %s with its identifiers and receipt, and nothing else', (_type, entry) => {
    const bytes = entryBytes(entry);
    const event = eventFromEntry(41, bytes);
    expect(DomainEventSchema.parse(event)).toEqual(event);
    expect(event).toMatchObject({ v: 1, type: entry.type, at, patientId: 'patient-1', actor, receipt: { index: 41, leafHash: Buffer.from(leafHash(bytes)).toString('base64') } });
    const text = JSON.stringify(event);
    // What an entry holds beyond identifiers stays out: hashes of content, consent terms, categories.
    expect(text).not.toContain(sha);
    expect(text).not.toContain('labs');
    expect(text).not.toContain('treatment');
  });

  it('carries the denial codes, the record ids and the consent id where the entry has them', () => {
    const [denied, breakGlass, listed, granted] = ['access.denied', 'access.break-glass', 'record.listed', 'consent.granted'].map((type) =>
      eventFromEntry(1, entryBytes(examples.find((entry) => entry.type === type)!)),
    );
    expect(denied).toMatchObject({ action: 'record.read', reason: 'no-consent', recordIds: ['record-1'] });
    expect(breakGlass).toMatchObject({ recordIds: ['record-1'] });
    expect(listed).toMatchObject({ recordIds: ['record-1', 'record-2'] });
    expect(granted).toMatchObject({ consentId: 'consent-1' });
  });

  it('gives the same event the same id every time, and different entries or places different ids', () => {
    const bytes = entryBytes(examples[3]!);
    expect(eventFromEntry(5, bytes).id).toBe(eventFromEntry(5, bytes).id);
    expect(eventFromEntry(5, bytes).id).not.toBe(eventFromEntry(6, bytes).id);
    expect(eventFromEntry(5, bytes).id).not.toBe(eventFromEntry(5, entryBytes(examples[2]!)).id);
    expect(eventIdOf(5, leafHash(bytes))).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('refuses bytes that are not a journal entry', () => {
    expect(() => eventFromEntry(0, new TextEncoder().encode('{"v":1,"type":"record.read"}'))).toThrow();
  });
});
