/**
 * POST /v1/patients/{patientId}/erasure (API.md; ARCHITECTURE.md D2 "Erasure"): the patient or an
 * admin erases the patient by crypto-shredding: the wrapped patient key is removed from the
 * patients projection and `patient.erased` journaled in one transaction, then the key is dropped
 * from this process's key cache. The ciphertexts and the journal remain (it still verifies end to
 * end); every later read of the records answers 410, because a read needs the patient key and
 * checks that the patient is not erased first. Other processes' caches expire within their
 * bounded age, and never serve a read meanwhile, for the same reason.
 *
 * With an Idempotency-Key, a repeated request answers as the first one did (200 with the same
 * receipt) instead of 410, and writes nothing.
 */
import type { Actor } from '../access/actor.ts';
import { requireJournalableActor, requireUuid } from '../access/identifiers.ts';
import { requireOwnerOr, type ControlDeps } from '../consent/control-deps.ts';
import { claimInTransaction, idempotently, recordClaimIndex } from '../consent/control-idempotency.ts';
import { GoneError, NotFoundError, type JournalReceipt } from '../errors.ts';
import { idempotentRequest, type IdempotentRequest } from '../idempotency/idempotency.ts';
import { entryBytes } from '../ledger/entry.ts';
import { leafHash as leafHashOf } from '../ledger/hashing.ts';
import { encodeBase64 } from '../ledger/strict-base64.ts';
import { onlyReceipt, toJournalReceipt } from '../records/receipts.ts';

export const ERASE_PATIENT_ROUTE = 'POST /v1/patients/{patientId}/erasure';

export type ErasePatientInput = { readonly actor: Actor; readonly patientId: string; readonly idempotencyKey?: string | undefined };
export type ErasePatientResult = { readonly entry: JournalReceipt };

/** A key store that can forget a patient's key at once (PatientKeyCache, PatientRowCache). */
type Forgetting = { evict(patientId: string): void };

export function makeErasePatient(deps: ControlDeps): (input: ErasePatientInput) => Promise<ErasePatientResult> {
  return async function erasePatient(input) {
    const { actor, patientId } = input;
    requireJournalableActor(actor);
    requireUuid(patientId, 'path.patientId');
    const idempotent = idempotentRequest({ key: input.idempotencyKey, actorId: actor.id, route: ERASE_PATIENT_ROUTE, request: { patientId } });
    await requireOwnerOr(deps, { actor, patientId, action: 'patient.erase', alsoRole: 'admin' });
    return idempotently(deps.control, idempotent, {
      run: () => erase(deps, { actor, patientId, idempotent }),
      replay: (claim) => ({ entry: claim.entry }),
    });
  };
}

async function erase(deps: ControlDeps, request: { actor: Actor; patientId: string; idempotent: IdempotentRequest | undefined }): Promise<ErasePatientResult> {
  const { actor, patientId, idempotent } = request;
  const erasedAt = deps.clock().toISOString();
  const bytes = entryBytes({ v: 1, type: 'patient.erased', at: erasedAt, actor: { id: actor.id, role: actor.role }, patient: patientId });
  const { receipts } = await deps.control.transact(async (tx) => {
    // The key first: a concurrent erasure under the same key waits here for this one to commit,
    // then replays it, rather than finding the patient erased (410).
    await claimInTransaction(tx, idempotent, { patientId, leafHash: encodeBase64(leafHashOf(bytes)) });
    const outcome = await tx.erasePatient({ patientId, erasedAt });
    if (outcome === 'patient-missing') throw new NotFoundError({ resource: 'patient', id: patientId });
    if (outcome === 'already-erased') throw new GoneError({ patientId });
    tx.append([bytes]);
  });
  forget(deps.keys, patientId);
  deps.patientRows?.evict(patientId);
  const entry = toJournalReceipt(onlyReceipt(receipts));
  await recordClaimIndex(deps.control, idempotent, entry);
  return { entry };
}

function forget(keys: unknown, patientId: string): void {
  if (typeof (keys as Partial<Forgetting>).evict === 'function') (keys as Forgetting).evict(patientId);
}
