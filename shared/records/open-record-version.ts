/**
 * The read path of a record version (ARCHITECTURE.md D2 "Reads"): fetch the object the projection
 * points at, compare its SHA-256 with the value journaled for that version BEFORE decrypting, then
 * decrypt under the context the journal implies. Any mismatch fails closed: the failure is
 * journaled as `integrity.failure` (with the hash actually observed, when there were bytes) and
 * IntegrityFailureError, carrying that entry's receipt, is thrown; no content is ever returned.
 */
import { createHash } from 'node:crypto';
import type { Actor } from '../access/actor.ts';
import { IntegrityFailureError } from '../errors.ts';
import { entryBytes } from '../ledger/entry.ts';
import { PatientKeyUnwrapError } from '../ports/key-vault.ts';
import { ObjectIntegrityError, ObjectNotFoundError } from '../ports/object-store.ts';
import { RecordCipherError } from '../ports/record-cipher.ts';
import type { RecordVersionRow } from '../ports/records-projection.ts';
import type { ActivePatient } from './registered-patient.ts';
import { onlyReceipt, toJournalReceipt } from './receipts.ts';
import type { RecordsDeps } from './records-deps.ts';

/** The decrypted plaintext of `row`. Record content: never log it. */
export async function openRecordVersion(
  deps: Pick<RecordsDeps, 'journal' | 'objects' | 'keys' | 'cipher' | 'clock'>,
  options: { actor: Actor; patient: ActivePatient; row: RecordVersionRow },
): Promise<Uint8Array> {
  const { patient, row } = options;
  const failed = (observedSha256: string | undefined, cause?: unknown) => integrityFailure(deps, { actor: options.actor, row, observedSha256, cause });
  let ciphertext: Uint8Array;
  try {
    ciphertext = await deps.objects.getObject(row.objectKey);
  } catch (error) {
    // The journal says these bytes exist: missing or store-detected corruption is an integrity failure.
    if (error instanceof ObjectNotFoundError || error instanceof ObjectIntegrityError) {
      throw await failed(undefined, error);
    }
    throw error;
  }
  const observed = createHash('sha256').update(ciphertext).digest('base64');
  if (observed !== row.sha256) throw await failed(observed);

  let patientKey: Uint8Array;
  try {
    patientKey = await deps.keys.unwrapPatientKey(patient.patientId, patient.wrappedKey);
  } catch (error) {
    // The stored wrapped key does not open for this patient: it was replaced or damaged.
    if (error instanceof PatientKeyUnwrapError) throw await failed(observed, error);
    throw error;
  }
  try {
    const context = { patientId: row.patientId, recordId: row.recordId, version: row.version };
    return await deps.cipher.decrypt({ ciphertext, patientKey, context });
  } catch (error) {
    if (error instanceof RecordCipherError) throw await failed(observed, error);
    throw error;
  } finally {
    patientKey.fill(0);
  }
}

/** Journals the failure; the actor is whoever's read found it. */
async function integrityFailure(
  deps: Pick<RecordsDeps, 'journal' | 'clock'>,
  failure: { actor: Actor; row: RecordVersionRow; observedSha256: string | undefined; cause?: unknown },
): Promise<IntegrityFailureError> {
  const { actor, row, observedSha256, cause } = failure;
  const bytes = entryBytes({
    v: 1,
    type: 'integrity.failure',
    at: deps.clock().toISOString(),
    actor: { id: actor.id, role: actor.role },
    patient: row.patientId,
    record: recordRef(row),
    ...(observedSha256 === undefined ? {} : { observedSha256 }),
  });
  const receipt = toJournalReceipt(onlyReceipt(await deps.journal.append([bytes])));
  return new IntegrityFailureError({ recordId: row.recordId, version: row.version, receipt, cause });
}

/** The `record` member of an entry about `row`. */
export function recordRef(row: RecordVersionRow): { id: string; version: number; sha256: string; category?: string } {
  return { id: row.recordId, version: row.version, sha256: row.sha256, ...(row.category === undefined ? {} : { category: row.category }) };
}
