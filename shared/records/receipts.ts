/** Journal receipts as the API shows them (API.md "Receipts"). */
import type { JournalReceipt } from '../errors.ts';
import { encodeBase64 } from '../ledger/strict-base64.ts';
import type { EntryReceipt } from '../ports/journal-store.ts';

/** The receipt of a journaled entry: its index and base64 leaf hash. */
export function toJournalReceipt(receipt: EntryReceipt): JournalReceipt {
  return { index: receipt.index, leafHash: encodeBase64(receipt.leafHash) };
}

/** The only receipt of a call that journaled exactly one entry. Requires exactly one receipt. */
export function onlyReceipt(receipts: readonly EntryReceipt[]): EntryReceipt {
  const [receipt] = receipts;
  if (receipt === undefined || receipts.length !== 1) throw new RangeError(`got ${receipts.length} receipts, want 1`);
  return receipt;
}
