/**
 * Completes receipts a crash left without their journal index. Every projection row (a patient, a
 * record version, an access row, a consent) and every control claim is written in the transaction
 * of its entry, with the entry's leaf hash; the index is recorded just after the journal has
 * integrated the entry (shared/ports/records-projection.ts "Receipts"). A crash in between leaves
 * the index unknown: a replay of that request's Idempotency-Key then answers 409 "in progress",
 * and listings leave the row's receipt out. The entry committed with the row, so it is in the
 * journal, integrated after the row was written: the journal finds it by its leaf hash in one pass
 * from the last checkpoint signed before the oldest such row (JournalStore.indexesOfLeaves), however
 * long ago that was.
 *
 * Rows younger than the grace period are left alone: their requests are normally still finishing
 * and will record the index themselves. Run when the local server starts, and by the checkpoint
 * job every minute in AWS, where no process restarts after a crash to do it. With nothing to
 * repair it costs one indexed lookup per kind of row.
 */
import type { JournalReceipt } from '../errors.ts';
import { decodeBase64Strict } from '../ledger/strict-base64.ts';
import type { JournalStore } from '../ports/journal-store.ts';
import type { PatientControl } from '../ports/patient-control.ts';
import type { JournalIndexUpdate, RecordsProjection } from '../ports/records-projection.ts';

type Ledger = Pick<JournalStore, 'indexesOfLeaves'>;

/** How long a row's request is given to record its own index before a repair takes it on. */
export const REPAIR_GRACE_MS = 30_000;

/**
 * How far before a row's time the search starts: the row's time comes from the writer's clock and
 * checkpoints' from the signer's, which may disagree by this much.
 */
const CLOCK_MARGIN_MS = 5 * 60_000;

export type RepairOptions = {
  /** Rows of each kind taken per run, newest first; default 1,000. */
  readonly maxRows?: number;
  /** Default REPAIR_GRACE_MS. */
  readonly graceMs?: number;
  /** Epoch milliseconds; default Date.now. */
  readonly now?: () => number;
};

/** `repaired`: rows completed; `unresolved`: rows past the grace period whose entries were not found. */
export type RepairResult = { readonly repaired: number; readonly unresolved: number };

export type RepairDeps = {
  readonly projection: Pick<RecordsProjection, 'rowsMissingIndexes' | 'setJournalIndexes'>;
  readonly control: Pick<
    PatientControl,
    'accessRowsMissingIndexes' | 'setAccessIndexes' | 'consentsMissingIndexes' | 'setConsentIndex' | 'claimsMissingIndexes' | 'setClaimIndex'
  >;
  readonly journal: Ledger;
};

/** Every kind of receipt: patients and record versions, access rows, consents, control claims. */
export async function repairReceipts(deps: RepairDeps, options: RepairOptions = {}): Promise<RepairResult> {
  const limit = options.maxRows ?? 1_000;
  const settled = settledBefore(options);
  const [rows, accesses, consents, claims] = await Promise.all([
    deps.projection.rowsMissingIndexes(limit).then((found) => found.filter(settled)),
    deps.control.accessRowsMissingIndexes(limit).then((found) => found.filter(settled)),
    deps.control.consentsMissingIndexes(limit).then((found) => found.filter(settled)),
    deps.control.claimsMissingIndexes(limit).then((found) => found.filter(settled)),
  ]);
  const missing = rows.length + accesses.length + consents.length + claims.length;
  if (missing === 0) return { repaired: 0, unresolved: 0 };
  const receiptOf = await locate(deps.journal, [...rows, ...accesses, ...consents, ...claims]);

  const rowUpdates: JournalIndexUpdate[] = rows.flatMap((row) => withReceipt(receiptOf(row.leafHash), (receipt) => ({ row, receipt })));
  const accessUpdates = accesses.flatMap((access) => withReceipt(receiptOf(access.leafHash), (receipt) => ({ seq: access.seq, receipt })));
  const consentUpdates = consents.flatMap((consent) => withReceipt(receiptOf(consent.leafHash), (receipt) => ({ ...consent, receipt })));
  const claimUpdates = claims.flatMap((claim) => withReceipt(receiptOf(claim.leafHash), (receipt) => ({ ...claim, receipt })));
  await deps.projection.setJournalIndexes(rowUpdates);
  await deps.control.setAccessIndexes(accessUpdates);
  for (const update of consentUpdates) await deps.control.setConsentIndex(update);
  for (const update of claimUpdates) await deps.control.setClaimIndex(update);
  const repaired = rowUpdates.length + accessUpdates.length + consentUpdates.length + claimUpdates.length;
  return { repaired, unresolved: missing - repaired };
}

/** Access rows only: what reading an access log repairs before it answers. Returns how many it completed. */
export async function repairAccessIndexes(
  deps: { readonly control: RepairDeps['control']; readonly ledger: Ledger },
  options: RepairOptions = {},
): Promise<number> {
  const accesses = (await deps.control.accessRowsMissingIndexes(options.maxRows ?? 1_000)).filter(settledBefore(options));
  if (accesses.length === 0) return 0;
  const receiptOf = await locate(deps.ledger, accesses);
  const updates = accesses.flatMap((access) => withReceipt(receiptOf(access.leafHash), (receipt) => ({ seq: access.seq, receipt })));
  await deps.control.setAccessIndexes(updates);
  return updates.length;
}

/** Whether a row was written before the grace period began. */
function settledBefore(options: RepairOptions): (row: { readonly at: string }) => boolean {
  const cutoff = (options.now ?? Date.now)() - (options.graceMs ?? REPAIR_GRACE_MS);
  return (row) => Date.parse(row.at) <= cutoff;
}

/** The receipts of the rows' entries, looked up in one pass from before the oldest row's time: a lookup from leaf hash to receipt. */
async function locate(journal: Ledger, rows: readonly { readonly leafHash: string; readonly at: string }[]): Promise<(leafHash: string) => JournalReceipt | undefined> {
  const oldest = Math.min(...rows.map((row) => Date.parse(row.at)));
  const hashes = [...new Set(rows.map((row) => row.leafHash))].flatMap((hash) => decodeBase64Strict(hash) ?? []);
  const found = await journal.indexesOfLeaves(hashes, new Date(oldest - CLOCK_MARGIN_MS));
  return (leafHash) => {
    const index = found.get(leafHash);
    return index === undefined ? undefined : { index, leafHash };
  };
}

function withReceipt<Update>(receipt: JournalReceipt | undefined, update: (receipt: JournalReceipt) => Update): Update[] {
  return receipt === undefined ? [] : [update(receipt)];
}
