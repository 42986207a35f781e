/** The records routes (API.md "Routes": /v1/patients/{patientId}/records...). */
import * as z from 'zod';
import {
  Code,
  FhirResource,
  IdempotencyHeaders,
  Identifier,
  integerParameter,
  JournalReceipt,
  Cursor,
  Pagination,
  PatientParams,
  Sha256,
  Timestamp,
  type RouteContract,
} from './common.ts';

const RecordParams = z.object({ patientId: Identifier, recordId: Identifier });
const Version = z.int().min(1);

export const WriteRecordRequest = z.strictObject({
  resource: FhirResource,
  category: Code.optional().meta({ description: 'A category consents can name, e.g. lab, imaging, mental-health' }),
});

export const CreateRecordResponse = z.object({ recordId: Identifier, version: z.literal(1), sha256: Sha256, entry: JournalReceipt });

export const RecordSummary = z
  .object({
    recordId: Identifier,
    version: Version,
    resourceType: z.string(),
    category: Code.optional(),
    sha256: Sha256.meta({ description: "SHA-256 of the stored ciphertext, as journaled" }),
    createdAt: Timestamp,
    createdBy: Identifier.meta({ description: 'Id of the actor who wrote this version' }),
  })
  .meta({ id: 'RecordSummary' });

export const ListRecordsResponse = z.object({
  items: z.array(RecordSummary),
  next: Cursor.optional().meta({ description: 'Pass as cursor to get the next page; absent on the last page' }),
  entry: JournalReceipt.meta({ description: 'The record.listed entry this listing wrote' }),
});

export const ReadRecordParams = RecordParams;
export const ReadRecordQuery = z.object({ version: integerParameter({ min: 1, description: 'Default: the latest version' }).optional() });
export const ReadRecordHeaders = z.object({
  'x-break-glass-reason': z
    .string()
    .regex(/^[\x20-\x7e]*[\x21-\x7e][\x20-\x7e]*$/, 'must be 1-500 printable ASCII characters')
    .max(500)
    .optional()
    .meta({ description: 'Practitioners without consent: read by break-glass, journaled and alerted at once' }),
});

export const ReadRecordResponse = z.object({ recordId: Identifier, version: Version, resource: FhirResource, sha256: Sha256, entry: JournalReceipt });

export const UpdateRecordHeaders = z.object({
  'if-match': z
    .string()
    .regex(/^(?:[1-9][0-9]{0,15}|"[1-9][0-9]{0,15}")$/, 'must be the current version number, e.g. 3 or "3"')
    .transform((value) => Number(value.replaceAll('"', '')))
    .pipe(Version)
    .meta({ description: 'The version being replaced; a stale one is answered with 409' }),
});

export const UpdateRecordResponse = z.object({ recordId: Identifier, version: Version, sha256: Sha256, entry: JournalReceipt });

export const RecordHistoryResponse = z.object({
  items: z.array(
    z.object({
      version: Version,
      sha256: Sha256,
      createdAt: Timestamp,
      createdBy: Identifier,
      entry: JournalReceipt.meta({ description: 'The entry that wrote this version' }),
    }),
  ),
  entry: JournalReceipt.meta({ description: 'The entry journaling this read' }),
});

export const createRecord = {
  summary: 'Create a record',
  description: 'Practitioners (for a registered patient, who is notified) or the patient.',
  tags: ['records'],
  request: { params: PatientParams, headers: IdempotencyHeaders, body: WriteRecordRequest },
  responses: { 201: { description: 'Created', content: { 'application/json': CreateRecordResponse } } },
  problems: ['forbidden', 'not-found', 'erased', 'idempotency-key-reused', 'idempotency-in-progress'],
} as const satisfies RouteContract;

export const listRecords = {
  summary: "List a patient's records",
  description: 'The patient, or a practitioner with consent (only what the consent covers).',
  tags: ['records'],
  request: { params: PatientParams, query: Pagination },
  responses: { 200: { description: 'A page of records', content: { 'application/json': ListRecordsResponse } } },
  problems: ['forbidden', 'not-found', 'erased'],
} as const satisfies RouteContract;

export const readRecord = {
  summary: 'Read a record',
  description: 'The patient, a practitioner with consent, or a practitioner by break-glass (X-Break-Glass-Reason).',
  tags: ['records'],
  request: { params: ReadRecordParams, query: ReadRecordQuery, headers: ReadRecordHeaders },
  responses: { 200: { description: 'The record version', content: { 'application/json': ReadRecordResponse } } },
  problems: ['forbidden', 'not-found', 'erased', 'integrity-failure'],
} as const satisfies RouteContract;

export const updateRecord = {
  summary: 'Write a new version of a record',
  description: 'Practitioners or the patient; If-Match names the version being replaced.',
  tags: ['records'],
  request: { params: RecordParams, headers: UpdateRecordHeaders, body: WriteRecordRequest },
  responses: { 200: { description: 'The new version', content: { 'application/json': UpdateRecordResponse } } },
  problems: ['forbidden', 'not-found', 'version-conflict', 'erased'],
} as const satisfies RouteContract;

export const readRecordHistory = {
  summary: "A record's versions",
  description: 'As for a read.',
  tags: ['records'],
  request: { params: RecordParams, headers: ReadRecordHeaders },
  responses: { 200: { description: 'Every version, oldest first', content: { 'application/json': RecordHistoryResponse } } },
  problems: ['forbidden', 'not-found', 'erased'],
} as const satisfies RouteContract;
