/**
 * GET /v1/patients/{patientId}/records/{recordId}/history (API.md): every version of a record,
 * metadata only, each with the receipt of the entry that wrote it. Allowed as for a read. Showing
 * the history is journaled as one `record.listed` entry naming the record; its receipt is `entry`.
 *
 * A version whose entry's index is not known yet (its write has committed but not yet been
 * acknowledged: see shared/ports/records-projection.ts "Receipts") is left out until it is, since
 * the history promises a receipt for every version it shows.
 */
import type { Actor } from '../access/actor.ts';
import { requireJournalableActor, requireUuid } from '../access/identifiers.ts';
import { journalDenial } from '../access/journal-denial.ts';
import { journalAccess } from '../access/journal-access.ts';
import { decideAccess } from '../consent/decide-access.ts';
import { practitionerContext } from '../consent/practitioner-context.ts';
import { NotFoundError, type JournalReceipt } from '../errors.ts';
import { entryBytes } from '../ledger/entry.ts';
import type { RecordsDeps } from './records-deps.ts';
import { activePatient } from './registered-patient.ts';

export type RecordHistoryInput = { readonly actor: Actor; readonly patientId: string; readonly recordId: string };

export type RecordHistoryItem = {
  readonly version: number;
  readonly sha256: string;
  readonly createdAt: string;
  readonly createdBy: string;
  /** The receipt of the entry that wrote this version. */
  readonly entry: JournalReceipt;
};

export type RecordHistoryResult = { readonly items: RecordHistoryItem[]; readonly entry: JournalReceipt };

export function makeRecordHistory(deps: RecordsDeps): (input: RecordHistoryInput) => Promise<RecordHistoryResult> {
  return async function recordHistory(input) {
    const { actor, patientId, recordId } = input;
    requireJournalableActor(actor);
    requireUuid(patientId, 'path.patientId');
    requireUuid(recordId, 'path.recordId');

    const at = deps.clock();
    // A practitioner's decision depends on the record's category, so only then is it looked up
    // first, in the same round trip as the practitioner's consents and break-glass window.
    const context = await practitionerContext(deps, { actor, patientId, at, record: { recordId } });
    const current = context?.found?.row;
    const decision = decideAccess({
      actor,
      action: 'record.history',
      patientId,
      record: { id: recordId, category: current?.category },
      consents: context?.consents ?? [],
      at,
      ...(context === undefined ? {} : { breakGlass: context.breakGlass }),
    });
    if (!decision.permit) {
      throw await journalDenial(deps, { actor, action: 'record.history', reason: decision.reason, patientId, recordIds: [recordId] });
    }
    await activePatient(deps.projection, patientId);
    const rows = await deps.projection.recordHistory({ patientId, recordId });
    if (rows.length === 0) throw new NotFoundError({ resource: 'record', id: recordId });
    const common = { at: at.toISOString(), actor: { id: actor.id, role: actor.role } };
    const bytes = entryBytes({ v: 1, type: 'record.listed', ...common, patient: patientId, recordIds: [recordId] });
    const entry = await journalAccess(deps, bytes, {
      patientId,
      ...common,
      action: 'record.listed',
      outcome: decision.outcome,
      recordIds: [recordId],
      ...(decision.outcome === 'break-glass' ? { reason: context?.windowReason } : {}),
    });
    const items = rows.flatMap((row): RecordHistoryItem[] =>
      row.entry.index === undefined
        ? []
        : [{ version: row.version, sha256: row.sha256, createdAt: row.createdAt, createdBy: row.createdBy, entry: { index: row.entry.index, leafHash: row.entry.leafHash } }],
    );
    return { items, entry };
  };
}
