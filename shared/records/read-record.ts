/**
 * GET /v1/patients/{patientId}/records/{recordId}?version (API.md): the patient reads a version of
 * their record (default: the current one). Practitioner reads wait for consents and are denied
 * for now; auditors and admins never see contents. Every outcome that touches the record is
 * journaled: the read itself (`record.read`, whose receipt comes back with the content), a denial,
 * or an integrity failure.
 */
import type { Actor } from '../access/actor.ts';
import { requireJournalableActor, requireUuid } from '../access/identifiers.ts';
import { journalDenial } from '../access/journal-denial.ts';
import { decideAccess } from '../consent/decide-access.ts';
import { NotFoundError, ValidationError, type JournalReceipt } from '../errors.ts';
import { entryBytes } from '../ledger/entry.ts';
import { parseStoredResource, type StoredResource } from './fhir-resource.ts';
import { openRecordVersion, recordRef } from './open-record-version.ts';
import { onlyReceipt, toJournalReceipt } from './receipts.ts';
import type { RecordsDeps } from './records-deps.ts';
import { requireActive } from './registered-patient.ts';

export type ReadRecordInput = {
  readonly actor: Actor;
  readonly patientId: string;
  readonly recordId: string;
  /** A specific version; undefined for the current one. Requires an integer >= 1 when given. */
  readonly version?: number | undefined;
};

export type ReadRecordResult = {
  readonly recordId: string;
  readonly version: number;
  /** The FHIR resource. Record content: never log it. */
  readonly resource: StoredResource;
  readonly sha256: string;
  readonly entry: JournalReceipt;
};

export function makeReadRecord(deps: RecordsDeps): (input: ReadRecordInput) => Promise<ReadRecordResult> {
  return async function readRecord(input) {
    const { actor, patientId, recordId, version } = input;
    requireJournalableActor(actor);
    requireUuid(patientId, 'path.patientId');
    requireUuid(recordId, 'path.recordId');
    if (version !== undefined && !(Number.isSafeInteger(version) && version >= 1)) {
      throw new ValidationError([{ path: 'query.version', message: 'must be an integer >= 1' }]);
    }

    const decision = decideAccess({ actor, action: 'record.read', patientId });
    if (!decision.permit) {
      throw await journalDenial(deps, { actor, action: 'record.read', reason: decision.reason, patientId, recordIds: [recordId] });
    }
    const found = await deps.projection.patientRecord({ patientId, recordId, version });
    const patient = requireActive(found.patient, patientId);
    const row = found.row;
    if (row === undefined) {
      throw new NotFoundError(version === undefined ? { resource: 'record', id: recordId } : { resource: 'record version', id: `${recordId}/${version}` });
    }
    const plaintext = await openRecordVersion(deps, { actor, patient, row });
    const resource = parseStoredResource(plaintext);
    // The content leaves only once its read is journaled.
    const bytes = entryBytes({
      v: 1,
      type: 'record.read',
      at: deps.clock().toISOString(),
      actor: { id: actor.id, role: actor.role },
      patient: patientId,
      record: recordRef(row),
    });
    const entry = toJournalReceipt(onlyReceipt(await deps.journal.append([bytes])));
    return { recordId, version: row.version, resource, sha256: row.sha256, entry };
  };
}
