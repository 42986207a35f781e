/** GET /v1/patients/{patientId}/access-log (API.md "Routes"). */
import * as z from 'zod';
import { Code, Cursor, FHIR_JSON, Identifier, integerParameter, JournalReceipt, PatientParams, Sha256, Timestamp, TimestampInput, type RouteContract } from './common.ts';

export const AccessLogQuery = z.object({
  since: TimestampInput.optional(),
  until: TimestampInput.optional(),
  format: z.enum(['fhir']).optional().meta({ description: 'fhir: a FHIR R4 Bundle of AuditEvent instead' }),
  limit: integerParameter({ min: 1, max: 1000, description: 'Most items to return (default 100)' }).optional(),
  cursor: Cursor.optional(),
});

export const AccessLogItem = z
  .object({
    at: Timestamp,
    actor: z.object({ id: Identifier, role: z.enum(['patient', 'practitioner', 'auditor', 'admin', 'system']) }),
    action: Code.meta({ description: 'What was done or attempted, e.g. record.read' }),
    recordIds: z.array(Identifier),
    outcome: z.enum(['permit', 'deny', 'break-glass']),
    reason: z.string().optional().meta({ description: 'The break-glass reason, or why access was denied' }),
    entry: JournalReceipt,
  })
  .meta({ id: 'AccessLogItem' });

export const AccessLogResponse = z.object({
  items: z.array(AccessLogItem),
  next: Cursor.optional().meta({ description: 'Pass as cursor to get the next page; absent on the last page' }),
  entry: JournalReceipt.meta({ description: 'The accesslog.read entry this read wrote' }),
});

export const AuditEventBundle = z
  .looseObject({
    resourceType: z.literal('Bundle'),
    type: z.literal('collection'),
    entry: z.array(z.looseObject({ resource: z.looseObject({ resourceType: z.literal('AuditEvent') }) })),
  })
  .meta({ id: 'AuditEventBundle', description: 'A FHIR R4 Bundle of AuditEvent, one per access' });

/** A Bundle's own `entry` field is FHIR's, so the receipt of the read (and the next page) travel in these headers. */
export const ReceiptHeaders = z.object({
  'chartproof-next-cursor': Cursor.optional().meta({ description: 'With format=fhir: the cursor of the next page, if any' }),
  'chartproof-entry-index': z.string().optional().meta({ description: 'With format=fhir: the journal index of this read' }),
  'chartproof-entry-leaf-hash': Sha256.optional().meta({ description: 'With format=fhir: the leaf hash of this read' }),
});

export const readAccessLog = {
  summary: "Read a patient's access log",
  description: 'The patient, or an auditor. Reading it is itself journaled.',
  tags: ['access-log'],
  request: { params: PatientParams, query: AccessLogQuery },
  responses: {
    200: {
      description: 'Every access in the period; with format=fhir, a Bundle whose receipt is in the Chartproof-Entry-* headers',
      content: { 'application/json': AccessLogResponse, [FHIR_JSON]: AuditEventBundle },
      headers: ReceiptHeaders,
    },
  },
  problems: ['forbidden', 'not-found'],
} as const satisfies RouteContract;
