/** The consent routes (API.md "Routes": /v1/patients/{patientId}/consents...). */
import * as z from 'zod';
import { Code, FHIR_JSON, IdempotencyHeaders, Identifier, JournalReceipt, PatientParams, Timestamp, TimestampInput, type RouteContract } from './common.ts';

const MAX_LISTED = 1000; // as many as a journal entry may hold (shared/ledger/entry.ts)

export const ConsentScope = z
  .union([
    z.strictObject({ all: z.literal(true) }),
    z.strictObject({ categories: z.array(Code).min(1).max(MAX_LISTED) }),
    z.strictObject({ recordIds: z.array(Identifier).min(1).max(MAX_LISTED) }),
  ])
  .meta({ id: 'ConsentScope', description: 'All records, records in some categories, or listed records' });

export const GrantConsentRequest = z.strictObject({
  grantee: Identifier.meta({ description: 'The practitioner (actor id) granted access' }),
  scope: ConsentScope,
  expiresAt: TimestampInput.optional().meta({ description: 'When the consent lapses; default: never' }),
  purpose: Code.optional().meta({ description: 'A purpose-of-use code, e.g. treatment' }),
});

export const GrantConsentResponse = z.object({ consentId: Identifier, entry: JournalReceipt });

export const Consent = z
  .object({
    consentId: Identifier,
    grantee: Identifier,
    scope: ConsentScope,
    grantedAt: Timestamp,
    expiresAt: Timestamp.optional(),
    purpose: Code.optional(),
    revokedAt: Timestamp.optional(),
    entry: JournalReceipt.meta({ description: 'The consent.granted entry' }),
  })
  .meta({ id: 'Consent' });

export const ListConsentsResponse = z.object({ items: z.array(Consent) });

export const ListConsentsQuery = z.object({
  format: z.enum(['fhir']).optional().meta({ description: 'fhir: a FHIR R4 Bundle of Consent resources instead' }),
});

export const ConsentBundle = z
  .looseObject({
    resourceType: z.literal('Bundle'),
    type: z.literal('collection'),
    entry: z.array(z.looseObject({ resource: z.looseObject({ resourceType: z.literal('Consent') }) })),
  })
  .meta({ id: 'ConsentBundle', description: 'A FHIR R4 Bundle of Consent, one per consent' });

export const RevokeConsentParams = z.object({ patientId: Identifier, consentId: Identifier });
export const RevokeConsentResponse = z.object({ consentId: Identifier, entry: JournalReceipt });

export const grantConsent = {
  summary: 'Grant a consent',
  description: 'The patient grants a practitioner read access to some or all of their records.',
  tags: ['consents'],
  request: { params: PatientParams, headers: IdempotencyHeaders, body: GrantConsentRequest },
  responses: { 201: { description: 'Granted', content: { 'application/json': GrantConsentResponse } } },
  problems: ['forbidden', 'not-found', 'erased', 'idempotency-key-reused', 'idempotency-in-progress'],
} as const satisfies RouteContract;

export const listConsents = {
  summary: "List a patient's consents",
  tags: ['consents'],
  request: { params: PatientParams, query: ListConsentsQuery },
  responses: { 200: { description: 'The consents', content: { 'application/json': ListConsentsResponse, [FHIR_JSON]: ConsentBundle } } },
  problems: ['forbidden', 'not-found'],
} as const satisfies RouteContract;

export const revokeConsent = {
  summary: 'Revoke a consent',
  tags: ['consents'],
  request: { params: RevokeConsentParams },
  responses: { 200: { description: 'Revoked', content: { 'application/json': RevokeConsentResponse } } },
  problems: ['forbidden', 'not-found'],
} as const satisfies RouteContract;
