/**
 * POST /v1/patients (API.md): an admin registers a patient. The server generates the patient id,
 * creates the patient's key (ARCHITECTURE.md D2 "Keys": only the wrapped key is stored), and
 * journals `patient.registered` in the same transaction as the patients projection row.
 *
 * `externalRef` lets the organization link its own identifier (an MRN, say). It is stored in the
 * erasable projection, never journaled, and restricted to identifier characters so it cannot
 * carry names or free text.
 */
import type { Actor } from '../access/actor.ts';
import { requireJournalableActor } from '../access/identifiers.ts';
import { journalDenial } from '../access/journal-denial.ts';
import { IdempotencyInProgressError, ValidationError, type JournalReceipt } from '../errors.ts';
import { AlreadyClaimedError, claimOrThrow, idempotentRequest, priorClaim, type IdempotentRequest } from '../idempotency/idempotency.ts';
import { entryBytes } from '../ledger/entry.ts';
import { leafHash as leafHashOf } from '../ledger/hashing.ts';
import { encodeBase64 } from '../ledger/strict-base64.ts';
import type { JournalStore } from '../ports/journal-store.ts';
import type { KeyVault } from '../ports/key-vault.ts';
import type { RecordsProjection } from '../ports/records-projection.ts';
import { onlyReceipt, toJournalReceipt } from '../records/receipts.ts';

export const REGISTER_PATIENT_ROUTE = 'POST /v1/patients';

const EXTERNAL_REF = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export type RegisterPatientDeps = {
  readonly journal: Pick<JournalStore, 'append'>;
  readonly projection: RecordsProjection;
  readonly keys: KeyVault;
  readonly clock: () => Date;
  /** A fresh UUID (crypto.randomUUID). */
  readonly newId: () => string;
};

export type RegisterPatientInput = {
  readonly actor: Actor;
  readonly externalRef?: string | undefined;
  readonly idempotencyKey?: string | undefined;
};

export type RegisterPatientResult = { readonly patientId: string; readonly entry: JournalReceipt };

export function makeRegisterPatient(deps: RegisterPatientDeps): (input: RegisterPatientInput) => Promise<RegisterPatientResult> {
  return async function registerPatient(input) {
    const { actor, externalRef } = input;
    requireJournalableActor(actor);
    if (externalRef !== undefined && !EXTERNAL_REF.test(externalRef)) {
      throw new ValidationError([{ path: 'body.externalRef', message: 'must be 1-64 of A-Z a-z 0-9 . _ : -, starting with a letter or digit' }]);
    }
    const idempotent = idempotentRequest({
      key: input.idempotencyKey,
      actorId: actor.id,
      route: REGISTER_PATIENT_ROUTE,
      request: { externalRef: externalRef ?? null },
    });
    if (actor.role !== 'admin') {
      // No patient is concerned, but the entry needs one: a fresh id that no patient will ever have.
      throw await journalDenial(deps, { actor, action: 'patient.register', reason: 'role-not-permitted', patientId: deps.newId() });
    }
    if (idempotent !== undefined) {
      const prior = await priorClaim(deps.projection, idempotent);
      if (prior !== undefined) return replay(deps.projection, idempotent, prior.patientId);
    }
    try {
      return await register(deps, { actor, externalRef, idempotent });
    } catch (error) {
      if (!(error instanceof AlreadyClaimedError) || idempotent === undefined) throw error;
      const prior = await priorClaim(deps.projection, idempotent);
      if (prior === undefined) throw error;
      return replay(deps.projection, idempotent, prior.patientId);
    }
  };
}

async function register(
  deps: RegisterPatientDeps,
  input: { actor: Actor; externalRef: string | undefined; idempotent: IdempotentRequest | undefined },
): Promise<RegisterPatientResult> {
  const patientId = deps.newId();
  const registeredAt = deps.clock().toISOString();
  const patientKey = await deps.keys.createPatientKey(patientId);
  patientKey.plaintextKey.fill(0); // only the wrapped key is kept; a key cache holds its own copy
  const entry = {
    v: 1,
    type: 'patient.registered',
    at: registeredAt,
    actor: { id: input.actor.id, role: input.actor.role },
    patient: patientId,
  } as const;
  const bytes = entryBytes(entry);
  const leafHash = encodeBase64(leafHashOf(bytes));
  const { receipts } = await deps.projection.transact(async (tx) => {
    if (input.idempotent !== undefined) await claimOrThrow(tx, input.idempotent, { patientId });
    await tx.insertPatient({ patientId, externalRef: input.externalRef, wrappedKey: patientKey.wrappedKey, registeredAt, leafHash });
    tx.append([bytes]);
  });
  const receipt = toJournalReceipt(onlyReceipt(receipts));
  await deps.projection.setJournalIndexes([{ row: { kind: 'patient', patientId, leafHash }, receipt }]);
  return { patientId, entry: receipt };
}

async function replay(projection: RecordsProjection, request: IdempotentRequest, patientId: string): Promise<RegisterPatientResult> {
  const patient = await projection.patient(patientId);
  if (patient?.entry.index === undefined) throw new IdempotencyInProgressError({ key: request.key });
  return { patientId, entry: { index: patient.entry.index, leafHash: patient.entry.leafHash } };
}
