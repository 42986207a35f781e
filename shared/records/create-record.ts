/**
 * POST /v1/patients/{patientId}/records (API.md): a practitioner, or the patient, stores a new
 * FHIR resource as version 1 of a new record. The server generates the record id (see
 * fhir-resource.ts for what happens to the resource's own `id` and `meta`).
 *
 * Order: validate (bad input writes nothing) → decide access (a denial is journaled) → the
 * patient must be registered and not erased → replay an Idempotency-Key seen before → write.
 */
import type { Actor } from '../access/actor.ts';
import { requireJournalableActor, requireUuid } from '../access/identifiers.ts';
import { journalDenial } from '../access/journal-denial.ts';
import { decideAccess } from '../consent/decide-access.ts';
import { IdempotencyInProgressError, NotFoundError, type JournalReceipt } from '../errors.ts';
import { AlreadyClaimedError, idempotentRequest, priorClaim, type IdempotentRequest } from '../idempotency/idempotency.ts';
import type { IdempotencyClaim, RecordsProjection } from '../ports/records-projection.ts';
import { requireCategory } from './category.ts';
import { validateResource } from './fhir-resource.ts';
import type { RecordsDeps } from './records-deps.ts';
import { requireActive } from './registered-patient.ts';
import { writeRecordVersion } from './write-record-version.ts';

export const CREATE_RECORD_ROUTE = 'POST /v1/patients/{patientId}/records';

export type CreateRecordInput = {
  readonly actor: Actor;
  readonly patientId: string;
  /** The request's `resource`, as parsed from JSON. */
  readonly resource: unknown;
  readonly category?: string | undefined;
  readonly idempotencyKey?: string | undefined;
};

export type CreateRecordResult = { readonly recordId: string; readonly version: 1; readonly sha256: string; readonly entry: JournalReceipt };

export function makeCreateRecord(deps: RecordsDeps): (input: CreateRecordInput) => Promise<CreateRecordResult> {
  return async function createRecord(input) {
    const { actor, patientId } = input;
    requireJournalableActor(actor);
    requireUuid(patientId, 'path.patientId');
    const resource = validateResource(input.resource, 'body.resource');
    const category = requireCategory(input.category, 'body.category');
    const idempotent = idempotentRequest({
      key: input.idempotencyKey,
      actorId: actor.id,
      route: CREATE_RECORD_ROUTE,
      request: { patientId, resource: input.resource, category: category ?? null },
    });

    const decision = decideAccess({ actor, action: 'record.create', patientId });
    if (!decision.permit) throw await journalDenial(deps, { actor, action: 'record.create', reason: decision.reason, patientId });
    const lookUp = (id: string) => deps.projection.patient(id);
    const patient = requireActive(await (deps.patientRows?.get(patientId, lookUp) ?? lookUp(patientId)), patientId);

    if (idempotent !== undefined) {
      const prior = await priorClaim(deps.projection, idempotent);
      if (prior !== undefined) return replay(deps.projection, idempotent, prior);
    }
    try {
      const written = await writeRecordVersion(deps, { actor, patient, recordId: deps.newId(), version: 1, resource, category, idempotent });
      return { recordId: written.recordId, version: 1, sha256: written.sha256, entry: written.entry };
    } catch (error) {
      if (!(error instanceof AlreadyClaimedError) || idempotent === undefined) throw error;
      const prior = await priorClaim(deps.projection, idempotent);
      if (prior === undefined) throw error;
      return replay(deps.projection, idempotent, prior);
    }
  };
}

/** The first response, rebuilt from the version-1 row the first request wrote. */
async function replay(projection: RecordsProjection, request: IdempotentRequest, claim: IdempotencyClaim): Promise<CreateRecordResult> {
  if (claim.recordId === undefined) throw new NotFoundError({ resource: 'record' }); // a claim from another route cannot match this one's hash
  const row = await projection.recordVersion({ patientId: claim.patientId, recordId: claim.recordId, version: 1 });
  if (row?.entry.index === undefined) throw new IdempotencyInProgressError({ key: request.key });
  return { recordId: row.recordId, version: 1, sha256: row.sha256, entry: { index: row.entry.index, leafHash: row.entry.leafHash } };
}
