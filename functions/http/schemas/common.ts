/**
 * Schemas shared by the API's routes (API.md), and the shape of a route contract.
 *
 * Identifiers, codes, hashes and times follow the journal's conventions (shared/ledger/entry.ts),
 * because whatever the API accepts ends up in journal entries: an identifier the journal would
 * refuse must be refused here, as a 400, not later as a 500.
 *
 * Request objects are strict (an unknown field is a 400 naming it: it catches typos, and PHI sent
 * where it does not belong is refused rather than silently dropped). Responses may gain fields
 * (API.md), so the OpenAPI document does not forbid additional properties in them.
 */
import * as z from 'zod';
import type {} from 'zod-openapi'; // types only: the OpenAPI fields of .meta()
import type { ProblemSlug } from '../problem.ts';

export const Identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be an identifier: 1-64 of A-Z a-z 0-9 . _ : -, starting with a letter or digit');

export const Code = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a code: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit');

// 43 base64 digits carry 258 bits; the last one's two low bits must be zero for exactly 32 bytes.
export const Sha256 = z
  .string()
  .regex(/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/, 'must be the canonical base64 of 32 bytes')
  .meta({ description: 'A SHA-256 value, standard base64 with padding' });

/** A time the server writes: RFC 3339 UTC with milliseconds, as Date.prototype.toISOString writes it. */
export const Timestamp = z.iso.datetime({ precision: 3 }).meta({ example: '2025-01-31T12:00:00.000Z' });

/** A time a client sends: RFC 3339 with a UTC offset. */
export const TimestampInput = z.iso.datetime({ offset: true }).meta({ example: '2025-01-31T12:00:00Z' });

/** API.md "Receipts". */
export const JournalReceipt = z
  .object({
    index: z.int().min(0).meta({ description: '0-based journal index' }),
    leafHash: Sha256.meta({ description: 'RFC 9162 leaf hash of the entry, base64' }),
  })
  .meta({ id: 'JournalReceipt', description: 'The journal entry this request wrote' });

/** A FHIR R4 resource. Its shape beyond `resourceType` is FHIR's; its size is capped by the use case. */
export const FhirResource = z
  .looseObject({
    resourceType: z.string().regex(/^[A-Z][A-Za-z]{1,63}$/, 'must be a FHIR resource type such as Observation'),
  })
  .meta({ id: 'FhirResource', description: 'A FHIR R4 resource in JSON; resourceType is required' });

export const Problem = z
  .object({
    type: z.string().meta({ description: 'https://chartproof.dev/problems/<slug>; integrity failures end in integrity-failure' }),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    requestId: z.string().optional(),
    entry: JournalReceipt.optional().meta({ description: 'The journal entry written about this refusal, if any' }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().meta({ description: 'The failing fields (400)' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

/**
 * A non-negative integer in a path or query parameter: digits only, no sign, exponent or leading
 * zero, within `min`..`max` (both at most Number.MAX_SAFE_INTEGER). Parses to a number.
 */
export function integerParameter(options: { min: number; max?: number; description?: string }) {
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  return z
    .string()
    .regex(/^(0|[1-9][0-9]{0,15})$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.int().min(options.min).max(max))
    .meta({
      description: options.description,
      // Documented as what it means (an integer), not as the string it travels as.
      override: ({ jsonSchema }) => {
        for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
        Object.assign(jsonSchema, { type: 'integer', minimum: options.min, maximum: max });
      },
    });
}

/** An opaque continuation token from a previous page's `next`. */
export const Cursor = z.string().regex(/^[A-Za-z0-9_-]{1,512}$/, 'must be a cursor returned as next by a previous page');

export const Pagination = z.object({
  limit: integerParameter({ min: 1, max: 100, description: 'Most items to return (default chosen by the server)' }).optional(),
  cursor: Cursor.optional(),
});

/** POST routes accept an Idempotency-Key (API.md "Idempotency"); surrounding quotes are removed. */
export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^"?[A-Za-z0-9+/=._:-]{1,255}"?$/, 'must be 1-255 of A-Z a-z 0-9 + / = . _ : -')
    .transform((key) => key.replace(/^"(.*)"$/, '$1'))
    .optional()
    .meta({ description: 'A replay with the same key and body returns the first response and writes nothing' }),
});

export const PatientParams = z.object({ patientId: Identifier });

export const TEXT_PLAIN = 'text/plain; charset=utf-8';
export const FHIR_JSON = 'application/fhir+json';

export type MediaType = 'application/json' | typeof FHIR_JSON | typeof TEXT_PLAIN;

export type ResponseContract = {
  description: string;
  content: Partial<Record<MediaType, z.ZodType>>;
  headers?: z.ZodObject;
};

/**
 * Everything the API promises about one route: its request schemas (validated by the chain), its
 * success responses (one per status and media type) and the route-specific problems it may answer
 * with. Problems every route can give (400, 401, 413, 415, 500) are added by the OpenAPI builder.
 */
export type RouteContract = {
  summary: string;
  description?: string;
  tags: readonly string[];
  request: {
    params?: z.ZodObject;
    query?: z.ZodObject;
    headers?: z.ZodObject;
    body?: z.ZodType;
  };
  responses: Readonly<Record<number, ResponseContract>>;
  problems: readonly ProblemSlug[];
};
