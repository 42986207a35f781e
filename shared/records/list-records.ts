/**
 * GET /v1/patients/{patientId}/records?limit&cursor (API.md): the current version of each of the
 * patient's records, metadata only (no contents), in pages. The listing is journaled as
 * `record.listed` with the ids it showed; its receipt comes back as `entry`.
 *
 * A practitioner lists under their consents in force (only what they cover: pages are filled from
 * covered records alone, so neither their contents nor their sizes and cursors reveal whether, or
 * how many, uncovered records exist), or within a break-glass window (everything).
 *
 * Pages follow record id order. The cursor is opaque to clients: base64url of the last record id
 * shown; a cursor that does not decode to a record id is invalid input.
 */
import type { Actor } from '../access/actor.ts';
import { requireJournalableActor, requireUuid } from '../access/identifiers.ts';
import { journalDenial } from '../access/journal-denial.ts';
import { journalAccess } from '../access/journal-access.ts';
import { covers, type Coverage } from '../consent/consent.ts';
import { decideAccess } from '../consent/decide-access.ts';
import { practitionerContext } from '../consent/practitioner-context.ts';
import type { RecordVersionRow } from '../ports/records-projection.ts';
import { ValidationError, type JournalReceipt } from '../errors.ts';
import { entryBytes } from '../ledger/entry.ts';
import type { RecordsDeps } from './records-deps.ts';
import { activePatient } from './registered-patient.ts';

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 100;

export type ListRecordsInput = {
  readonly actor: Actor;
  readonly patientId: string;
  /** Requires an integer in 1..MAX_LIST_LIMIT when given; default DEFAULT_LIST_LIMIT. */
  readonly limit?: number | undefined;
  /** The `next` of the previous page. */
  readonly cursor?: string | undefined;
};

export type RecordSummary = {
  readonly recordId: string;
  readonly version: number;
  readonly resourceType: string;
  readonly category?: string;
  readonly sha256: string;
  readonly createdAt: string;
  readonly createdBy: string;
};

export type ListRecordsResult = { readonly items: RecordSummary[]; readonly next?: string; readonly entry: JournalReceipt };

export function makeListRecords(deps: RecordsDeps): (input: ListRecordsInput) => Promise<ListRecordsResult> {
  return async function listRecords(input) {
    const { actor, patientId } = input;
    requireJournalableActor(actor);
    requireUuid(patientId, 'path.patientId');
    const limit = input.limit ?? DEFAULT_LIST_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new ValidationError([{ path: 'query.limit', message: `must be an integer from 1 to ${MAX_LIST_LIMIT}` }]);
    }
    const afterRecordId = input.cursor === undefined ? undefined : decodeCursor(input.cursor);

    const at = deps.clock();
    const context = await practitionerContext(deps, { actor, patientId, at });
    const decision = decideAccess({
      actor,
      action: 'record.list',
      patientId,
      consents: context?.consents ?? [],
      at,
      ...(context === undefined ? {} : { breakGlass: context.breakGlass }),
    });
    if (!decision.permit) throw await journalDenial(deps, { actor, action: 'record.list', reason: decision.reason, patientId });
    await activePatient(deps.projection, patientId);

    // One row more than the page tells whether there is a next page.
    const coverage = decision.outcome === 'permit' ? decision.coverage : undefined;
    const rows = await coveredRecords(deps, { patientId, afterRecordId, limit: limit + 1, coverage });
    const page = rows.slice(0, limit);
    const items = page.map(
      (row): RecordSummary => ({
        recordId: row.recordId,
        version: row.version,
        resourceType: row.resourceType,
        ...(row.category === undefined ? {} : { category: row.category }),
        sha256: row.sha256,
        createdAt: row.createdAt,
        createdBy: row.createdBy,
      }),
    );
    const recordIds = items.map((item) => item.recordId);
    const common = { at: at.toISOString(), actor: { id: actor.id, role: actor.role } };
    const bytes = entryBytes({ v: 1, type: 'record.listed', ...common, patient: patientId, recordIds });
    const entry = await journalAccess(deps, bytes, {
      patientId,
      ...common,
      action: 'record.listed',
      outcome: decision.outcome,
      recordIds,
      ...(decision.outcome === 'break-glass' ? { reason: context?.windowReason } : {}),
    });
    const last = page.at(-1);
    return { items, ...(rows.length > limit && last !== undefined ? { next: encodeCursor(last.recordId) } : {}), entry };
  };
}

/** Up to `limit` current versions after `afterRecordId` that `coverage` includes (all when undefined). */
async function coveredRecords(
  deps: Pick<RecordsDeps, 'projection'>,
  query: { patientId: string; afterRecordId: string | undefined; limit: number; coverage: Coverage | undefined },
): Promise<RecordVersionRow[]> {
  const { patientId, limit, coverage } = query;
  if (coverage === undefined || coverage.all) return deps.projection.currentRecords({ patientId, afterRecordId: query.afterRecordId, limit });
  const covered: RecordVersionRow[] = [];
  let afterRecordId = query.afterRecordId;
  for (;;) {
    const batch = await deps.projection.currentRecords({ patientId, afterRecordId, limit: COVERAGE_BATCH });
    for (const row of batch) {
      if (covers(coverage, { id: row.recordId, category: row.category })) covered.push(row);
      if (covered.length === limit) return covered;
    }
    const last = batch.at(-1);
    if (batch.length < COVERAGE_BATCH || last === undefined) return covered;
    afterRecordId = last.recordId;
  }
}

const COVERAGE_BATCH = 200;

function encodeCursor(recordId: string): string {
  return Buffer.from(recordId, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const recordId = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  try {
    requireUuid(recordId, 'query.cursor');
  } catch {
    throw new ValidationError([{ path: 'query.cursor', message: 'is not a cursor this API returned' }]);
  }
  return recordId;
}
