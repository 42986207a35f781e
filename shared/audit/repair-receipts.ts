/**
 * Completes receipts a crash left without their journal index. Every projection row (a patient, a
 * record version, an access row, a consent) and every control claim is written in the transaction
 * of its entry, with the entry's leaf hash; the index is recorded just after the journal has
 * integrated the entry (shared/ports/records-projection.ts "Receipts"). A crash in between leaves
 * the index unknown: a replay of that request's Idempotency-Key then answers 409 "in progress",
 * and listings leave the row's receipt out. The entry committed with the row, so it is in the
 * journal, normally among the last entries: it is found by its leaf hash, scanning back from the
 * tree head.
 *
 * Run when the local server starts, and by the checkpoint job every minute in AWS, where no
 * process restarts after a crash to do it. With nothing to repair it costs one indexed lookup per
 * kind of row. Rows whose entries are not integrated yet, or lie beyond the scanned tail, are left
 * for the next run.
 */
import type { JournalReceipt } from '../errors.ts';
import { encodeBase64 } from '../ledger/strict-base64.ts';
import type { JournalStore } from '../ports/journal-store.ts';
import type { PatientControl } from '../ports/patient-control.ts';
import type { JournalIndexUpdate, RecordsProjection } from '../ports/records-projection.ts';

type Ledger = Pick<JournalStore, 'treeHead' | 'entry'>;

export type RepairOptions = {
  /** Rows of each kind taken per run; default 1,000. */
  readonly maxRows?: number;
  /** How many of the latest entries to look through at most; default 10,000. */
  readonly maxScan?: number;
};

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
  const [rows, accesses, consents, claims] = await Promise.all([
    deps.projection.rowsMissingIndexes(limit),
    deps.control.accessRowsMissingIndexes(limit),
    deps.control.consentsMissingIndexes(limit),
    deps.control.claimsMissingIndexes(limit),
  ]);
  const missing = rows.length + accesses.length + consents.length + claims.length;
  if (missing === 0) return { repaired: 0, unresolved: 0 };
  const receiptOf = await recentReceipts(deps.journal, [...rows, ...accesses, ...consents, ...claims].map((row) => row.leafHash), options.maxScan);

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
  const accesses = await deps.control.accessRowsMissingIndexes(options.maxRows ?? 1_000);
  if (accesses.length === 0) return 0;
  const receiptOf = await recentReceipts(deps.ledger, accesses.map((access) => access.leafHash), options.maxScan);
  const updates = accesses.flatMap((access) => withReceipt(receiptOf(access.leafHash), (receipt) => ({ seq: access.seq, receipt })));
  await deps.control.setAccessIndexes(updates);
  return updates.length;
}

/**
 * The receipts of the entries with these leaf hashes (base64) among the latest `maxScan` entries,
 * scanning back from the tree head until all are found: a lookup from leaf hash to receipt.
 */
async function recentReceipts(journal: Ledger, leafHashes: readonly string[], maxScan = 10_000): Promise<(leafHash: string) => JournalReceipt | undefined> {
  const waiting = new Set(leafHashes);
  const found = new Map<string, number>();
  const { size } = await journal.treeHead();
  const stop = Math.max(0, size - maxScan);
  for (let index = size - 1; index >= stop && waiting.size > 0; index--) {
    const leafHash = encodeBase64((await journal.entry(index, { treeSize: size })).leafHash);
    if (waiting.delete(leafHash)) found.set(leafHash, index);
  }
  return (leafHash) => {
    const index = found.get(leafHash);
    return index === undefined ? undefined : { index, leafHash };
  };
}

function withReceipt<Update>(receipt: JournalReceipt | undefined, update: (receipt: JournalReceipt) => Update): Update[] {
  return receipt === undefined ? [] : [update(receipt)];
}
