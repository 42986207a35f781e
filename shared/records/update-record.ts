/**
 * PUT /v1/patients/{patientId}/records/{recordId} (API.md): a practitioner, or the patient, writes
 * the next version of a record.
 *
 * Optimistic concurrency: `If-Match: <version>` must name the current version, else 409
 * (VersionConflictError, which says which version is current). A missing If-Match is refused as
 * invalid input (400, field `headers.if-match`) rather than 428: API.md lists no 428, and an
 * unconditional overwrite is never what a client of a medical record means. Two concurrent
 * writers naming the same version: the database lets one commit, the other gets 409.
 *
 * `category` may be omitted to keep the current version's category.
 */
import type { Actor } from '../access/actor.ts';
import { requireJournalableActor, requireUuid } from '../access/identifiers.ts';
import { journalDenial } from '../access/journal-denial.ts';
import { decideAccess } from '../consent/decide-access.ts';
import { NotFoundError, ValidationError, VersionConflictError, type JournalReceipt } from '../errors.ts';
import { requireCategory } from './category.ts';
import { validateResource } from './fhir-resource.ts';
import type { RecordsDeps } from './records-deps.ts';
import { requireActive } from './registered-patient.ts';
import { writeRecordVersion } from './write-record-version.ts';

export type UpdateRecordInput = {
  readonly actor: Actor;
  readonly patientId: string;
  readonly recordId: string;
  /** The version If-Match names; undefined when the header is absent. */
  readonly ifMatch: number | undefined;
  readonly resource: unknown;
  readonly category?: string | undefined;
};

export type UpdateRecordResult = { readonly recordId: string; readonly version: number; readonly sha256: string; readonly entry: JournalReceipt };

export function makeUpdateRecord(deps: RecordsDeps): (input: UpdateRecordInput) => Promise<UpdateRecordResult> {
  return async function updateRecord(input) {
    const { actor, patientId, recordId } = input;
    requireJournalableActor(actor);
    requireUuid(patientId, 'path.patientId');
    requireUuid(recordId, 'path.recordId');
    const expected = input.ifMatch;
    if (expected === undefined || !Number.isSafeInteger(expected) || expected < 1) {
      throw new ValidationError([{ path: 'headers.if-match', message: 'is required: the current version, e.g. If-Match: 1' }]);
    }
    const resource = validateResource(input.resource, 'body.resource');
    const category = requireCategory(input.category, 'body.category');

    const decision = decideAccess({ actor, action: 'record.update', patientId });
    if (!decision.permit) {
      throw await journalDenial(deps, { actor, action: 'record.update', reason: decision.reason, patientId, recordIds: [recordId] });
    }
    const found = await deps.projection.patientRecord({ patientId, recordId });
    const patient = requireActive(found.patient, patientId);
    const current = found.row;
    if (current === undefined) throw new NotFoundError({ resource: 'record', id: recordId });
    if (current.version !== expected) throw new VersionConflictError({ got: expected, want: current.version });

    const written = await writeRecordVersion(deps, {
      actor,
      patient,
      recordId,
      version: current.version + 1,
      resource,
      category: category ?? current.category,
    });
    return { recordId, version: written.version, sha256: written.sha256, entry: written.entry };
  };
}
