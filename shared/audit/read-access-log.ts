/**
 * GET /v1/patients/{patientId}/access-log?since&until&limit&cursor (API.md): every access to the
 * patient's data (who, when, which records, permit / deny / break-glass, the break-glass reason),
 * each with its journal receipt, in order. For the patient and for auditors. Served from the
 * per-patient access index, a page at a time (never a scan of the journal). Reading the log is
 * itself journaled (`accesslog.read`) and indexed, so it shows in the next read.
 *
 * The cursor is opaque: base64url of "<at>/<seq>" of the last row shown. An erased patient's log
 * still reads (it holds no clinical content, and erasure has removed the reason texts).
 */
import type { Actor } from '../access/actor.ts';
import { requireJournalableActor, requireUuid } from '../access/identifiers.ts';
import { journalAccess } from '../access/journal-access.ts';
import { requireOwnerOr, type ControlDeps } from '../consent/control-deps.ts';
import { NotFoundError, ValidationError, type JournalReceipt } from '../errors.ts';
import { entryBytes } from '../ledger/entry.ts';
import type { AccessLogRow, AccessOutcome } from '../ports/patient-control.ts';
import type { JournalStore } from '../ports/journal-store.ts';
import { repairAccessIndexes } from './repair-receipts.ts';

export const DEFAULT_ACCESS_LOG_LIMIT = 100;
export const MAX_ACCESS_LOG_LIMIT = 1000;

export type ReadAccessLogInput = {
  readonly actor: Actor;
  readonly patientId: string;
  /** RFC 3339 with an offset: accesses at or after. */
  readonly since?: string | undefined;
  /** RFC 3339 with an offset: accesses before. */
  readonly until?: string | undefined;
  /** Requires an integer in 1..MAX_ACCESS_LOG_LIMIT; default DEFAULT_ACCESS_LOG_LIMIT. */
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
};

/** The roles entries name (shared/ledger/entry.ts): the API's, and `system`. */
export type LoggedRole = 'patient' | 'practitioner' | 'auditor' | 'admin' | 'system';

export type AccessLogItem = {
  readonly at: string;
  readonly actor: { readonly id: string; readonly role: LoggedRole };
  readonly action: string;
  readonly recordIds: string[];
  readonly outcome: AccessOutcome;
  readonly reason?: string;
  readonly entry: JournalReceipt;
};

export type ReadAccessLogResult = { readonly items: AccessLogItem[]; readonly next?: string; readonly entry: JournalReceipt };

export type AccessLogDeps = ControlDeps & { readonly ledger?: Pick<JournalStore, 'indexesOfLeaves'> };

export function makeReadAccessLog(deps: AccessLogDeps): (input: ReadAccessLogInput) => Promise<ReadAccessLogResult> {
  return async function readAccessLog(input) {
    const { actor, patientId } = input;
    requireJournalableActor(actor);
    requireUuid(patientId, 'path.patientId');
    const since = optionalTime(input.since, 'query.since');
    const until = optionalTime(input.until, 'query.until');
    const limit = input.limit ?? DEFAULT_ACCESS_LOG_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_ACCESS_LOG_LIMIT) {
      throw new ValidationError([{ path: 'query.limit', message: `must be an integer from 1 to ${MAX_ACCESS_LOG_LIMIT}` }]);
    }
    const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
    await requireOwnerOr(deps, { actor, patientId, action: 'accesslog.read', alsoRole: 'auditor' });
    if ((await deps.projection.patient(patientId)) === undefined) throw new NotFoundError({ resource: 'patient', id: patientId });

    const query = { patientId, since, until, after, limit: limit + 1 };
    let rows = await deps.control.accessLog(query);
    if (rows.some((row) => row.entry.index === undefined) && deps.ledger !== undefined) {
      await repairAccessIndexes({ control: deps.control, ledger: deps.ledger });
      rows = await deps.control.accessLog(query);
    }
    const page = rows.slice(0, limit);
    const items = page.flatMap(toItem);

    const at = deps.clock().toISOString();
    const common = { at, actor: { id: actor.id, role: actor.role } };
    const bytes = entryBytes({ v: 1, type: 'accesslog.read', ...common, patient: patientId, ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) });
    const entry = await journalAccess(deps, bytes, { patientId, ...common, action: 'accesslog.read', outcome: 'permit', recordIds: [] });
    const last = page.at(-1);
    return { items, ...(rows.length > limit && last !== undefined ? { next: encodeCursor(last) } : {}), entry };
  };
}

/** A row whose index is still unknown after a repair (its entry beyond the scanned tail) is left out. */
function toItem(row: AccessLogRow): AccessLogItem[] {
  if (row.entry.index === undefined) return [];
  return [
    {
      at: row.at,
      actor: { id: row.actor.id, role: row.actor.role as LoggedRole }, // written from journaled actors only
      action: row.action,
      recordIds: [...row.recordIds],
      outcome: row.outcome,
      ...(row.reason === undefined ? {} : { reason: row.reason }),
      entry: { index: row.entry.index, leafHash: row.entry.leafHash },
    },
  ];
}

function optionalTime(value: string | undefined, path: string): string | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new ValidationError([{ path, message: 'must be an RFC 3339 time' }]);
  return time.toISOString();
}

function encodeCursor(row: AccessLogRow): string {
  return Buffer.from(`${row.at}/${row.seq}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { at: string; seq: number } {
  const text = /^[A-Za-z0-9_-]{1,128}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\/([1-9][0-9]{0,15})$/.exec(text);
  if (match?.[1] === undefined || match[2] === undefined || Number.isNaN(Date.parse(match[1]))) {
    throw new ValidationError([{ path: 'query.cursor', message: 'is not a cursor this API returned' }]);
  }
  return { at: match[1], seq: Number(match[2]) };
}
