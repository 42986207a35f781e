/**
 * Journal entries (API.md "Journal entries"; ARCHITECTURE.md D1 "Entry bytes").
 *
 * The journal can never be erased, so an entry may hold only identifiers, hashes, times, roles and
 * action codes, never clinical content, names or free text that could be PHI. The schema enforces
 * that rather than trusting callers: every object is strict (no unknown keys), every string has a
 * bounded charset and length, and anything a person typed (a break-glass reason) enters only as a
 * hash. Conventions, chosen once:
 * - identifiers and codes: 1..64 characters of A-Z a-z 0-9 . _ - (identifiers also ":"), starting
 *   with a letter or digit: UUIDs, ULIDs, Cognito subs, FHIR codes, "urn:uuid:..." fit; sentences do not;
 * - SHA-256 values: canonical padded standard base64 of exactly 32 bytes (like S3 ChecksumSHA256
 *   and the API's leafHash);
 * - times: RFC 3339 in UTC with millisecond precision, exactly as Date.prototype.toISOString writes
 *   them ("2025-01-31T12:00:00.000Z"), so each instant has one spelling.
 *
 * Entry bytes are the UTF-8 of the RFC 8785 canonical JSON of the entry.
 */
import canonicalize from 'canonicalize';
import * as z from 'zod';
import { leafHash, type Hash } from './hashing.ts';

const MAX_IDS = 1000;

const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be an identifier: 1-64 of A-Z a-z 0-9 . _ : -, starting with a letter or digit');
const Code = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a code: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit');
// 43 base64 digits carry 258 bits; the last one's two low bits must be zero for exactly 32 bytes.
const Sha256 = z.string().regex(/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/, 'must be the canonical base64 of 32 bytes');
/** A SHA-256 value (or any 32-byte hash) as canonical padded standard base64. */
export const Base64HashSchema = Sha256;
const Timestamp = z.iso.datetime({ precision: 3 }); // UTC ("Z") only, milliseconds, a real calendar date

/** Who acted. `system` is the service itself (for example a background integrity check). */
export const ActorRoleSchema = z.enum(['patient', 'practitioner', 'auditor', 'admin', 'system']);
const Actor = z.strictObject({ id: Id, role: ActorRoleSchema });

/** The record version an entry is about; `sha256` is the hash of the stored ciphertext. */
const RecordRef = z.strictObject({ id: Id, version: z.int().min(1), sha256: Sha256, category: Code.optional() });

/** The terms of a consent: all records, some categories, or listed records. */
const ConsentScope = z.union([
  z.strictObject({ all: z.literal(true) }),
  z.strictObject({ categories: z.array(Code).min(1).max(MAX_IDS) }),
  z.strictObject({ recordIds: z.array(Id).min(1).max(MAX_IDS) }),
]);

const common = { v: z.literal(1), at: Timestamp, actor: Actor, patient: Id };

const entrySchemas = [
  z.strictObject({ ...common, type: z.literal('patient.registered') }),
  z.strictObject({ ...common, type: z.literal('record.created'), record: RecordRef }),
  z.strictObject({ ...common, type: z.literal('record.updated'), record: RecordRef }),
  z.strictObject({ ...common, type: z.literal('record.read'), record: RecordRef }),
  z.strictObject({ ...common, type: z.literal('record.listed'), recordIds: z.array(Id).max(MAX_IDS) }),
  z.strictObject({
    ...common,
    type: z.literal('access.denied'),
    action: Code, // what was attempted, e.g. "record.read"
    reason: Code, // why it was refused, e.g. "no-consent"
    recordIds: z.array(Id).max(MAX_IDS).optional(),
  }),
  z.strictObject({
    ...common,
    type: z.literal('access.break-glass'),
    record: RecordRef,
    // The stated reason is free text, so only its SHA-256 is journaled; the text lives in an erasable projection.
    reasonSha256: Sha256,
  }),
  z.strictObject({
    ...common,
    type: z.literal('consent.granted'),
    consent: z.strictObject({ id: Id, grantee: Id, scope: ConsentScope, expiresAt: Timestamp.optional(), purpose: Code.optional() }),
  }),
  z.strictObject({ ...common, type: z.literal('consent.revoked'), consent: z.strictObject({ id: Id }) }),
  z.strictObject({ ...common, type: z.literal('accesslog.read'), since: Timestamp.optional(), until: Timestamp.optional() }),
  z.strictObject({ ...common, type: z.literal('patient.erased') }),
  z.strictObject({
    ...common,
    type: z.literal('integrity.failure'),
    record: RecordRef, // what the journal says should be there
    observedSha256: Sha256.optional(), // what was found, when there was anything to hash
  }),
] as const;

const JournalEntryUnion = z.discriminatedUnion('type', entrySchemas);

export type JournalEntry = z.infer<typeof JournalEntryUnion>;
export type JournalEntryType = JournalEntry['type'];
export const JournalEntrySchema: z.ZodType<JournalEntry> = JournalEntryUnion;
/** Every entry type, in API.md order. */
export const JOURNAL_ENTRY_TYPES: readonly JournalEntryType[] = entrySchemas.map((schema) => schema.shape.type.value);

/** An entry failed the schema, or its text is not the canonical JSON of an entry. */
export class EntryFormatError extends Error {
  override name = 'EntryFormatError';
}

/** UTF-8 of the RFC 8785 canonical JSON of `entry`. Validates first: throws EntryFormatError for anything the schema rejects. */
export function entryBytes(entry: JournalEntry): Uint8Array {
  return new TextEncoder().encode(canonicalJson(validate(entry)));
}

/** The RFC 9162 leaf hash of the entry's bytes. */
export function entryLeafHash(entry: JournalEntry): Hash {
  return leafHash(entryBytes(entry));
}

/**
 * Parses entry bytes as stored in the journal and served by the API; throws EntryFormatError unless
 * they are strict UTF-8 holding exactly the canonical JSON of a schema-valid entry.
 */
export function parseEntryBytes(bytes: Uint8Array): JournalEntry {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new EntryFormatError('entry is not valid UTF-8');
  }
  return parseEntryText(text);
}

/** Like parseEntryBytes, for the text form (the `entry` string of GET /v1/ledger/entries/{index}). */
export function parseEntryText(text: string): JournalEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new EntryFormatError(`entry is not JSON: ${(error as Error).message}`);
  }
  let canonical: string;
  try {
    canonical = canonicalJson(value);
  } catch (error) {
    throw new EntryFormatError(`entry cannot be canonicalized: ${(error as Error).message}`);
  }
  if (canonical !== text) throw new EntryFormatError('entry is not in RFC 8785 canonical form');
  return validate(value);
}

function validate(value: unknown): JournalEntry {
  const result = JournalEntrySchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue === undefined || issue.path.length === 0 ? 'entry' : issue.path.join('.');
  throw new EntryFormatError(`${path}: ${issue?.message ?? 'invalid'}`);
}

function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new EntryFormatError('entry is not a JSON value');
  return text;
}
