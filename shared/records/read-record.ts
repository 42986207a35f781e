/**
 * GET /v1/patients/{patientId}/records/{recordId}?version (API.md): the patient reads a version of
 * their record (default: the current one); a practitioner reads it under a consent that covers it,
 * or by break-glass (a stated reason, which opens a window for that practitioner and patient);
 * auditors and admins never see contents. Every outcome that touches the record is journaled and
 * indexed in the patient's access log: the read itself (`record.read`, or `access.break-glass`,
 * whose receipt comes back with the content), a denial, or an integrity failure.
 */
import type { Actor } from '../access/actor.ts';
import { requireJournalableActor, requireUuid } from '../access/identifiers.ts';
import { journalDenial } from '../access/journal-denial.ts';
import { journalAccess } from '../access/journal-access.ts';
import { decideAccess } from '../consent/decide-access.ts';
import { breakGlassReason, practitionerContext, reasonSha256 } from '../consent/practitioner-context.ts';
import { NotFoundError, ValidationError, type JournalReceipt } from '../errors.ts';
import { entryBytes } from '../ledger/entry.ts';
import { parseStoredResource, type StoredResource } from './fhir-resource.ts';
import { openRecordVersion, recordRef } from './open-record-version.ts';
import type { RecordsDeps } from './records-deps.ts';
import { requireActive } from './registered-patient.ts';

export type ReadRecordInput = {
  readonly actor: Actor;
  readonly patientId: string;
  readonly recordId: string;
  /** A specific version; undefined for the current one. Requires an integer >= 1 when given. */
  readonly version?: number | undefined;
  /** X-Break-Glass-Reason: free text, never journaled (only its SHA-256). */
  readonly breakGlassReason?: string | undefined;
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

    const reason = breakGlassReason(input.breakGlassReason);
    const at = deps.clock();
    // A practitioner's decision depends on the record's category, so only then is it looked up
    // first, in the same round trip as the practitioner's consents and break-glass window.
    const context = await practitionerContext(deps, { actor, patientId, at, breakGlassReason: reason, record: { recordId, version } });
    let found = context?.found;
    const decision = decideAccess({
      actor,
      action: 'record.read',
      patientId,
      record: { id: recordId, category: found?.row?.category },
      consents: context?.consents ?? [],
      at,
      ...(context === undefined ? {} : { breakGlass: context.breakGlass }),
    });
    if (!decision.permit) {
      throw await journalDenial(deps, { actor, action: 'record.read', reason: decision.reason, patientId, recordIds: [recordId] });
    }
    found ??= await deps.projection.patientRecord({ patientId, recordId, version });
    const patient = requireActive(found.patient, patientId);
    const row = found.row;
    if (row === undefined) {
      throw new NotFoundError(version === undefined ? { resource: 'record', id: recordId } : { resource: 'record version', id: `${recordId}/${version}` });
    }
    const plaintext = await openRecordVersion(deps, { actor, patient, row });
    const resource = parseStoredResource(plaintext);
    // The content leaves only once its read is journaled.
    const common = { v: 1, at: at.toISOString(), actor: { id: actor.id, role: actor.role }, patient: patientId, record: recordRef(row) } as const;
    const access = { patientId, at: common.at, actor: common.actor, recordIds: [recordId] };
    let entry: JournalReceipt;
    if (decision.outcome === 'break-glass') {
      const stated = reason ?? context?.windowReason ?? '';
      const bytes = entryBytes({ ...common, type: 'access.break-glass', reasonSha256: reasonSha256(stated) });
      // Only a stated reason opens (or reopens) the window; reads within it do not extend it.
      const action = reason === undefined ? 'record.read' : 'access.break-glass';
      entry = await journalAccess(deps, bytes, { ...access, action, outcome: 'break-glass', reason: stated });
    } else {
      entry = await journalAccess(deps, entryBytes({ ...common, type: 'record.read' }), { ...access, action: 'record.read', outcome: 'permit' });
    }
    return { recordId, version: row.version, resource, sha256: row.sha256, entry };
  };
}
