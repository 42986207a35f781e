/**
 * Idempotency-Key on POST routes (API.md "Idempotency").
 *
 * A key is scoped to (actor, route, key) and bound to the SHA-256 of the canonical JSON of the
 * request (path ids included, so the same key on another patient is a different request). The
 * claim is written in the same transaction as the work it stands for, so it exists exactly when
 * the work committed. A replay with the same request rebuilds the first response from the
 * projection and writes nothing; a different request under the same key is refused.
 *
 * The flow a use case follows:
 * 1. `priorClaim` before doing anything: replay if the key was used, refuse if for another request.
 * 2. In its transaction, `claimOrThrow`: a concurrent request with the same key that committed
 *    meanwhile makes it throw AlreadyClaimedError, rolling the work back.
 * 3. On AlreadyClaimedError, `priorClaim` again and replay.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { IdempotencyConflictError, ValidationError } from '../errors.ts';
import type { IdempotencyClaim, RecordsTransaction } from '../ports/records-projection.ts';

/** A POST that carries an Idempotency-Key. */
export type IdempotentRequest = {
  readonly actorId: string;
  /** The route template, e.g. `POST /v1/patients/{patientId}/records`. */
  readonly route: string;
  readonly key: string;
  readonly requestSha256: string;
};

// Visible ASCII, as a structured-field string would carry it; long enough for any UUID or ULID.
const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The idempotent request for `key` (undefined when the client sent none). `request` is everything
 * that determines the outcome: path ids and body. Throws ValidationError for a malformed key.
 */
export function idempotentRequest(options: {
  key: string | undefined;
  actorId: string;
  route: string;
  request: unknown;
}): IdempotentRequest | undefined {
  if (options.key === undefined) return undefined;
  if (!KEY.test(options.key)) {
    throw new ValidationError([{ path: 'headers.idempotency-key', message: 'must be 1-255 visible ASCII characters' }]);
  }
  const canonical = canonicalize(options.request) ?? 'null';
  return {
    actorId: options.actorId,
    route: options.route,
    key: options.key,
    requestSha256: createHash('sha256').update(canonical).digest('base64'),
  };
}

/**
 * The earlier claim of this key, if any, from the store of the route's claims (the records
 * projection, or patient control). Throws IdempotencyConflictError when the key was used for a
 * different request.
 */
export async function priorClaim<Claim extends { readonly requestSha256: string } = IdempotencyClaim>(
  store: { idempotencyClaim(query: { actorId: string; route: string; key: string }): Promise<Claim | undefined> },
  request: IdempotentRequest,
): Promise<Claim | undefined> {
  const claim = await store.idempotencyClaim({ actorId: request.actorId, route: request.route, key: request.key });
  if (claim !== undefined && claim.requestSha256 !== request.requestSha256) {
    throw new IdempotencyConflictError({ key: request.key });
  }
  return claim;
}

/** Thrown inside a transaction whose key another request claimed first; rolls the work back. */
export class AlreadyClaimedError extends Error {
  override name = 'AlreadyClaimedError';
}

/** Claims the key in `tx` for the outcome `ids`; throws AlreadyClaimedError if it is taken. */
export async function claimOrThrow(
  tx: RecordsTransaction,
  request: IdempotentRequest,
  ids: { patientId: string; recordId?: string },
): Promise<void> {
  const claimed = await tx.claimIdempotencyKey({ ...request, patientId: ids.patientId, recordId: ids.recordId });
  if (!claimed) throw new AlreadyClaimedError(`idempotency key already claimed for ${request.route}`);
}
