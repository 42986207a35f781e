import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  entryBytes,
  EntryFormatError,
  entryLeafHash,
  JOURNAL_ENTRY_TYPES,
  JournalEntrySchema,
  parseEntryBytes,
  parseEntryText,
  type JournalEntry,
} from '../../shared/ledger/entry.ts';

const SHA = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';
const at = '2025-03-01T08:30:00.000Z';
const record = { id: 'rec-1', version: 2, sha256: SHA, category: 'laboratory' };

/** One valid entry of every type, in API.md order. */
const examples: JournalEntry[] = [
  { v: 1, type: 'patient.registered', at, actor: { id: 'admin-1', role: 'admin' }, patient: 'pat-1' },
  { v: 1, type: 'record.created', at, actor: { id: 'dr-1', role: 'practitioner' }, patient: 'pat-1', record },
  { v: 1, type: 'record.updated', at, actor: { id: 'pat-1', role: 'patient' }, patient: 'pat-1', record },
  { v: 1, type: 'record.read', at, actor: { id: 'dr-1', role: 'practitioner' }, patient: 'pat-1', record },
  { v: 1, type: 'record.listed', at, actor: { id: 'dr-1', role: 'practitioner' }, patient: 'pat-1', recordIds: ['rec-1', 'rec-2'] },
  { v: 1, type: 'access.denied', at, actor: { id: 'dr-2', role: 'practitioner' }, patient: 'pat-1', action: 'record.read', reason: 'no-consent', recordIds: ['rec-1'] },
  { v: 1, type: 'access.break-glass', at, actor: { id: 'dr-3', role: 'practitioner' }, patient: 'pat-1', record, reasonSha256: SHA },
  {
    v: 1,
    type: 'consent.granted',
    at,
    actor: { id: 'pat-1', role: 'patient' },
    patient: 'pat-1',
    consent: { id: 'con-1', grantee: 'dr-1', scope: { all: true }, expiresAt: '2026-03-01T00:00:00.000Z', purpose: 'TREAT' },
  },
  { v: 1, type: 'consent.revoked', at, actor: { id: 'pat-1', role: 'patient' }, patient: 'pat-1', consent: { id: 'con-1' } },
  { v: 1, type: 'accesslog.read', at, actor: { id: 'aud-1', role: 'auditor' }, patient: 'pat-1', since: '2025-01-01T00:00:00.000Z' },
  { v: 1, type: 'patient.erased', at, actor: { id: 'pat-1', role: 'patient' }, patient: 'pat-1' },
  { v: 1, type: 'integrity.failure', at, actor: { id: 'system', role: 'system' }, patient: 'pat-1', record, observedSha256: SHA },
];

describe('journal entries', () => {
  it('has exactly the entry types of API.md', () => {
    // Assess
    expect(JOURNAL_ENTRY_TYPES).toEqual([
      'patient.registered', 'record.created', 'record.updated', 'record.read', 'record.listed', 'access.denied',
      'access.break-glass', 'consent.granted', 'consent.revoked', 'accesslog.read', 'patient.erased', 'integrity.failure',
    ]);
    expect(examples.map((entry) => entry.type)).toEqual(JOURNAL_ENTRY_TYPES);
  });

  it.each(examples.map((entry) => [entry.type, entry] as const))('round-trips a %s entry through its bytes', (_, entry) => {
    // Act
    const parsed = parseEntryBytes(entryBytes(entry));

    // Assess
    expect(parsed).toEqual(entry);
  });

  it('writes RFC 8785 canonical JSON: sorted keys, no whitespace', () => {
    // Prepare
    const entry = examples[3] as JournalEntry;

    // Act
    const text = new TextDecoder().decode(entryBytes(entry));

    // Assess
    expect(text).toBe(
      `{"actor":{"id":"dr-1","role":"practitioner"},"at":"${at}","patient":"pat-1",` +
        `"record":{"category":"laboratory","id":"rec-1","sha256":"${SHA}","version":2},"type":"record.read","v":1}`,
    );
  });

  it('hashes an entry as an RFC 9162 leaf: SHA-256(0x00 || entry bytes)', () => {
    // Prepare
    const entry = examples[0] as JournalEntry;
    const want = createHash('sha256').update(Buffer.of(0)).update(entryBytes(entry)).digest();

    // Act
    const hash = entryLeafHash(entry);

    // Assess
    expect(Buffer.from(hash).equals(want)).toBe(true);
  });

  const valid = examples[3] as JournalEntry;
  it.each([
    ['free text in an id', { patient: 'John Smith' }],
    ['an id of 65 characters', { patient: 'p'.repeat(65) }],
    ['an id starting with a dash', { patient: '-p' }],
    ['an e-mail address as an id', { actor: { id: 'john@example.com', role: 'patient' } }],
    ['an unknown role', { actor: { id: 'x', role: 'nurse' } }],
    ['an unknown field', { note: 'patient was anxious' }],
    ['an unknown field in the record', { record: { ...record, comment: 'x' } }],
    ['a hex SHA-256', { record: { ...record, sha256: 'a'.repeat(64) } }],
    ['a SHA-256 of 31 bytes', { record: { ...record, sha256: Buffer.alloc(31).toString('base64') } }],
    ['a non-canonical base64 SHA-256', { record: { ...record, sha256: SHA.replace('gg=', 'gh=') } }],
    ['a time with an offset', { at: '2025-03-01T09:30:00.000+01:00' }],
    ['a time without milliseconds', { at: '2025-03-01T08:30:00Z' }],
    ['a time with microseconds', { at: '2025-03-01T08:30:00.000000Z' }],
    ['an impossible date', { at: '2025-02-30T08:30:00.000Z' }],
    ['version 2 of the format', { v: 2 }],
    ['record version 0', { record: { ...record, version: 0 } }],
    ['a fractional record version', { record: { ...record, version: 1.5 } }],
    ['an unknown type', { type: 'record.deleted' }],
    ['a category with spaces', { record: { ...record, category: 'blood test' } }],
  ])('rejects %s', (_, change) => {
    // Prepare
    const candidate = { ...valid, ...change };

    // Act
    const result = JournalEntrySchema.safeParse(candidate);
    const act = () => entryBytes(candidate as JournalEntry);

    // Assess
    expect(result.success).toBe(false);
    expect(act).toThrow(EntryFormatError);
  });

  it('rejects a consent whose scope mixes kinds', () => {
    // Prepare
    const consent = examples[7] as Extract<JournalEntry, { type: 'consent.granted' }>;
    const candidate = { ...consent, consent: { ...consent.consent, scope: { all: true, categories: ['laboratory'] } } };

    // Act
    const result = JournalEntrySchema.safeParse(candidate);

    // Assess
    expect(result.success).toBe(false);
  });
});

describe('parseEntryText strictness', () => {
  const canonical = new TextDecoder().decode(entryBytes(examples[3] as JournalEntry));
  it.each([
    ['whitespace', canonical.replace('{"actor":', '{ "actor":')],
    ['keys out of order', canonical.replace('"type":"record.read","v":1', '"v":1,"type":"record.read"')],
    ['a number written 2.0', canonical.replace('"version":2', '"version":2.0')],
    ['a number written 02', canonical.replace('"version":2', '"version":02')],
    ['a needless escape', canonical.replace('"dr-1"', '"\\u0064r-1"')],
    ['a duplicated key', canonical.replace('"v":1}', '"v":1,"v":1}')],
    ['a trailing newline', `${canonical}\n`],
  ])('rejects %s', (_, text) => {
    // Act
    const act = () => parseEntryText(text);

    // Assess
    expect(act).toThrow(EntryFormatError);
  });

  it('rejects canonical JSON that is not a valid entry, naming the field', () => {
    // Prepare
    const text = canonical.replace('"patient":"pat-1"', '"patient":"Jane Doe"');

    // Act
    const act = () => parseEntryText(text);

    // Assess
    expect(act).toThrow(/^patient: must be an identifier/);
  });

  it('rejects bytes that are not UTF-8', () => {
    // Prepare
    const bytes = Buffer.from(canonical);
    bytes[10] = 0xff;

    // Act
    const act = () => parseEntryBytes(bytes);

    // Assess
    expect(act).toThrow('entry is not valid UTF-8');
  });

  it('rejects a byte order mark', () => {
    // Act
    const act = () => parseEntryBytes(Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from(canonical)]));

    // Assess
    expect(act).toThrow(EntryFormatError);
  });
});
