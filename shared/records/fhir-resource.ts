/**
 * The FHIR R4 resource a record version holds (ARCHITECTURE.md D2 "Body"), and how Chartproof
 * stamps it before encryption.
 *
 * Validation is deliberately shallow: a JSON object whose `resourceType` looks like a FHIR type
 * name, with a well-formed `id` and an object `meta` when present, at most MAX_RESOURCE_BYTES as
 * canonical JSON and at most MAX_RESOURCE_DEPTH levels deep. Full profile validation belongs to the
 * apps; the server guarantees only what it relies on.
 *
 * What the server owns, as a FHIR server does:
 * - `id` is the record id. On create any client `id` is replaced (FHIR "create" assigns the id);
 *   on update a client `id` must equal the record id (FHIR "update" refuses a mismatch).
 * - `meta.versionId` (the version, as a string) and `meta.lastUpdated` (the write time) are set;
 *   any other `meta` members (profile, security, tag) are kept.
 * The stored plaintext is the UTF-8 of the RFC 8785 canonical JSON of the stamped resource.
 */
import canonicalize from 'canonicalize';
import * as z from 'zod';
import { PayloadTooLargeError, ValidationError, type FieldIssue } from '../errors.ts';

/** The largest stored resource, as canonical JSON (after stamping). */
export const MAX_RESOURCE_BYTES = 1024 * 1024;
/** Deeper than any real FHIR resource; deep enough, and no deeper, to keep recursion safe. */
export const MAX_RESOURCE_DEPTH = 64;

const RESOURCE_TYPE = /^[A-Z][A-Za-z]+$/;
// FHIR R4 `id`: 1 to 64 of A-Z a-z 0-9 - .
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

const ResourceSchema = z.looseObject({
  resourceType: z.string().regex(RESOURCE_TYPE, 'must be a FHIR resource type name, such as Observation'),
  id: z.string().regex(FHIR_ID, 'must be a FHIR id: 1-64 of A-Z a-z 0-9 - .').optional(),
  meta: z.looseObject({}).optional(),
});

export type FhirResource = z.infer<typeof ResourceSchema>;

/** A resource ready to encrypt. */
export type StampedResource = {
  readonly resourceType: string;
  /** UTF-8 of the canonical JSON of the stamped resource. Record content: never log it. */
  readonly plaintext: Uint8Array;
};

/**
 * Checks that `resource` (as parsed from JSON) is a resource Chartproof stores: depth, shape and
 * size. `path` names it in errors ("body.resource"). Throws ValidationError (naming the failing
 * fields) or PayloadTooLargeError; never puts any part of the content into an error.
 */
export function validateResource(resource: unknown, path: string): FhirResource {
  requireDepth(resource, path);
  const result = ResourceSchema.safeParse(resource);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((issue): FieldIssue => ({ path: [path, ...issue.path.map(String)].join('.'), message: issue.message })),
    );
  }
  serialize(result.data, path);
  return result.data;
}

export type StampOptions = {
  /** A resource that passed validateResource. */
  readonly resource: FhirResource;
  readonly recordId: string;
  /** Requires an integer >= 1. */
  readonly version: number;
  /** RFC 3339 time of the write, stamped as meta.lastUpdated. */
  readonly lastUpdated: string;
  /** `create` replaces a client id; `update` requires it to equal `recordId`. */
  readonly mode: 'create' | 'update';
  /** Where the resource sits in the request, for error paths ("body.resource"). */
  readonly path: string;
};

/**
 * The resource stamped with the server-owned fields, serialized. Throws ValidationError when an
 * update names another id, and PayloadTooLargeError when stamping pushed it over the limit.
 */
export function stampResource(options: StampOptions): StampedResource {
  const { resource, path } = options;
  if (options.mode === 'update' && resource.id !== undefined && resource.id !== options.recordId) {
    throw new ValidationError([{ path: `${path}.id`, message: `must equal the record id ${options.recordId} when present` }]);
  }
  const stamped = {
    ...resource,
    id: options.recordId,
    meta: { ...resource.meta, versionId: String(options.version), lastUpdated: options.lastUpdated },
  };
  return { resourceType: resource.resourceType, plaintext: serialize(stamped, path) };
}

function serialize(resource: object, path: string): Uint8Array {
  const text = canonicalize(resource);
  if (text === undefined) throw new ValidationError([{ path, message: 'must be a JSON object' }]);
  const plaintext = new TextEncoder().encode(text);
  if (plaintext.length > MAX_RESOURCE_BYTES) {
    throw new PayloadTooLargeError({ subject: 'resource', limitBytes: MAX_RESOURCE_BYTES, gotBytes: plaintext.length });
  }
  return plaintext;
}

/** Parses a stored plaintext back into the resource. Requires bytes written by stampResource. */
export function parseStoredResource(plaintext: Uint8Array): StoredResource {
  return JSON.parse(new TextDecoder().decode(plaintext)) as StoredResource;
}

/** A resource as read back: a FHIR resource with Chartproof's id and meta. */
export type StoredResource = { readonly resourceType: string; readonly [member: string]: unknown };

/** Iterative, so that a nesting bomb is refused without exhausting the stack. */
function requireDepth(value: unknown, path: string): void {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth > MAX_RESOURCE_DEPTH) {
      throw new ValidationError([{ path, message: `is nested more than ${MAX_RESOURCE_DEPTH} levels deep` }]);
    }
    for (const child of Object.values(item.value)) stack.push({ value: child, depth: item.depth + 1 });
  }
}
