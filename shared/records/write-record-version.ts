/**
 * The write path of a record version (ARCHITECTURE.md D2), shared by create and update.
 *
 * Order, and why it is crash-safe:
 * 1. Encrypt under the patient key with context {patientId, recordId, version}.
 * 2. Store the ciphertext under an immutable key. If the process dies here, the object has no
 *    journal entry and no projection row, so it is never served (reads follow journal pointers only).
 * 3. One transaction inserts the projection row and appends the entry carrying the ciphertext's
 *    SHA-256 (and claims the Idempotency-Key, when there is one). Both commit or neither does.
 * 4. The entry's index is recorded on the row once the journal has integrated it.
 * The immutable key is `records/<patientId>/<recordId>/<version>`. When that key already holds an
 * object left by a write that failed after step 2, the version gets a fresh key
 * `records/<patientId>/<recordId>/<version>.<uuid>` (the row keeps the key, and reads follow it),
 * so one failed write cannot block a record forever.
 */
import { createHash } from 'node:crypto';
import type { Actor } from '../access/actor.ts';
import { GoneError, NotFoundError, VersionConflictError, type JournalReceipt } from '../errors.ts';
import { claimOrThrow, type IdempotentRequest } from '../idempotency/idempotency.ts';
import { entryBytes } from '../ledger/entry.ts';
import { leafHash as leafHashOf } from '../ledger/hashing.ts';
import { encodeBase64 } from '../ledger/strict-base64.ts';
import { ObjectExistsError } from '../ports/object-store.ts';
import { stampResource, type FhirResource } from './fhir-resource.ts';
import { onlyReceipt, toJournalReceipt } from './receipts.ts';
import type { RecordsDeps } from './records-deps.ts';
import type { ActivePatient } from './registered-patient.ts';

export type RecordVersionWrite = {
  readonly actor: Actor;
  readonly patient: ActivePatient;
  readonly recordId: string;
  /** 1 for a create; the successor of the current version for an update. */
  readonly version: number;
  readonly resource: FhirResource;
  readonly category: string | undefined;
  readonly idempotent?: IdempotentRequest | undefined;
};

export type WrittenVersion = {
  readonly recordId: string;
  readonly version: number;
  readonly sha256: string;
  readonly entry: JournalReceipt;
};

/**
 * Writes one record version. Throws VersionConflictError when a concurrent writer committed the
 * same version first, and AlreadyClaimedError when a concurrent request claimed the same
 * Idempotency-Key first; nothing is journaled then.
 */
export async function writeRecordVersion(
  deps: Pick<RecordsDeps, 'projection' | 'objects' | 'keys' | 'cipher' | 'clock' | 'newId'>,
  write: RecordVersionWrite,
): Promise<WrittenVersion> {
  const { actor, patient, recordId, version, category } = write;
  const patientId = patient.patientId;
  const createdAt = deps.clock().toISOString();
  const stamped = stampResource({
    resource: write.resource,
    recordId,
    version,
    lastUpdated: createdAt,
    mode: version === 1 ? 'create' : 'update',
    path: 'body.resource',
  });
  const patientKey = await deps.keys.unwrapPatientKey(patientId, patient.wrappedKey);
  let ciphertext: Uint8Array;
  try {
    ciphertext = await deps.cipher.encrypt({ plaintext: stamped.plaintext, patientKey, context: { patientId, recordId, version } });
  } finally {
    patientKey.fill(0);
  }
  const digest = createHash('sha256').update(ciphertext).digest();
  const sha256 = encodeBase64(digest);
  const objectKey = await storeCiphertext(deps, { patientId, recordId, version, ciphertext, digest });

  const entry = {
    v: 1,
    type: version === 1 ? 'record.created' : 'record.updated',
    at: createdAt,
    actor: { id: actor.id, role: actor.role },
    patient: patientId,
    record: { id: recordId, version, sha256, ...(category === undefined ? {} : { category }) },
  } as const;
  const bytes = entryBytes(entry);
  const leafHash = encodeBase64(leafHashOf(bytes));
  const { receipts } = await deps.projection.transact(async (tx) => {
    if (write.idempotent !== undefined) await claimOrThrow(tx, write.idempotent, { patientId, recordId });
    const inserted = await tx.insertRecordVersion({
      patientId,
      recordId,
      version,
      category,
      resourceType: stamped.resourceType,
      sha256,
      objectKey,
      createdAt,
      createdBy: actor.id,
      leafHash,
    });
    if (inserted === 'version-taken') throw new VersionConflictError({ got: version - 1, want: version });
    if (inserted === 'patient-missing') throw new NotFoundError({ resource: 'patient', id: patientId });
    if (inserted === 'patient-erased') throw new GoneError({ patientId });
    tx.append([bytes]);
  });
  const receipt = toJournalReceipt(onlyReceipt(receipts));
  await deps.projection.setJournalIndexes([{ row: { kind: 'record', patientId, recordId, version, leafHash }, receipt }]);
  return { recordId, version, sha256, entry: receipt };
}

async function storeCiphertext(
  deps: Pick<RecordsDeps, 'objects' | 'newId'>,
  object: { patientId: string; recordId: string; version: number; ciphertext: Uint8Array; digest: Uint8Array },
): Promise<string> {
  const { patientId, recordId, version, ciphertext, digest } = object;
  const objectKey = `records/${patientId}/${recordId}/${version}`;
  try {
    await deps.objects.putObject({ key: objectKey, body: ciphertext, sha256: digest });
    return objectKey;
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
  }
  // Left by a failed or concurrent write of this version. The projection decides which write wins
  // (its primary key), so this one may go on under a key of its own.
  const fallbackKey = `${objectKey}.${deps.newId()}`;
  await deps.objects.putObject({ key: fallbackKey, body: ciphertext, sha256: digest });
  return fallbackKey;
}
