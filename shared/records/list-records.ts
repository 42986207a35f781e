/**
 * GET /v1/patients/{patientId}/records?limit&cursor (API.md): the current version of each of the
 * patient's records, metadata only (no contents), in pages. The listing is journaled as
 * `record.listed` with the ids it showed; its receipt comes back as `entry`.
 *
 * Pages follow record id order. The cursor is opaque to clients: base64url of the last record id
 * shown; a cursor that does not decode to a record id is invalid input.
 */
import type { Actor } from '../access/actor.ts';
import { requireJournalableActor, requireUuid } from '../access/identifiers.ts';
import { journalDenial } from '../access/journal-denial.ts';
import { decideAccess } from '../consent/decide-access.ts';
import { ValidationError, type JournalReceipt } from '../errors.ts';
import { entryBytes } from '../ledger/entry.ts';
import { onlyReceipt, toJournalReceipt } from './receipts.ts';
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

    const decision = decideAccess({ actor, action: 'record.list', patientId });
    if (!decision.permit) throw await journalDenial(deps, { actor, action: 'record.list', reason: decision.reason, patientId });
    await activePatient(deps.projection, patientId);

    // One row more than the page tells whether there is a next page.
    const rows = await deps.projection.currentRecords({ patientId, afterRecordId, limit: limit + 1 });
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
    const bytes = entryBytes({
      v: 1,
      type: 'record.listed',
      at: deps.clock().toISOString(),
      actor: { id: actor.id, role: actor.role },
      patient: patientId,
      recordIds: items.map((item) => item.recordId),
    });
    const entry = toJournalReceipt(onlyReceipt(await deps.journal.append([bytes])));
    const last = page.at(-1);
    return { items, ...(rows.length > limit && last !== undefined ? { next: encodeCursor(last.recordId) } : {}), entry };
  };
}

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
