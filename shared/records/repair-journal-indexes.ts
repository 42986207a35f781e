/**
 * Completes projection receipts a crash left without their journal index (see
 * shared/ports/records-projection.ts "Receipts"): such a row's entry committed with it, so it is
 * in the journal, normally among the last entries; it is found by its leaf hash, scanning back
 * from the tree head. Run once at startup; it costs nothing when there is nothing to repair.
 */
import { encodeBase64 } from '../ledger/strict-base64.ts';
import type { JournalStore } from '../ports/journal-store.ts';
import type { JournalIndexUpdate, ProjectedRow, RecordsProjection } from '../ports/records-projection.ts';

export type RepairResult = { readonly repaired: number; readonly unresolved: number };

/** Requires maxScan >= 0: how many of the latest entries to look through at most. */
export async function repairJournalIndexes(
  deps: { readonly projection: RecordsProjection; readonly journal: Pick<JournalStore, 'treeHead' | 'entry'> },
  options: { readonly maxRows?: number; readonly maxScan?: number } = {},
): Promise<RepairResult> {
  const rows = await deps.projection.rowsMissingIndexes(options.maxRows ?? 1_000);
  if (rows.length === 0) return { repaired: 0, unresolved: 0 };
  const waiting = new Map<string, ProjectedRow[]>();
  for (const row of rows) waiting.set(row.leafHash, [...(waiting.get(row.leafHash) ?? []), row]);
  const updates: JournalIndexUpdate[] = [];
  const { size } = await deps.journal.treeHead();
  const stop = Math.max(0, size - (options.maxScan ?? 10_000));
  for (let index = size - 1; index >= stop && waiting.size > 0; index--) {
    const leafHash = encodeBase64((await deps.journal.entry(index, { treeSize: size })).leafHash);
    for (const row of waiting.get(leafHash) ?? []) updates.push({ row, receipt: { index, leafHash } });
    waiting.delete(leafHash);
  }
  await deps.projection.setJournalIndexes(updates);
  return { repaired: updates.length, unresolved: rows.length - updates.length };
}
