/**
 * Pure decisions of the journal's sequencer: what a batch's receipts are, and when a checkpoint
 * is due. The store (shared/adapters/sql/) does the I/O; these functions only compute.
 */
import { leafHash, type Hash } from './hashing.ts';

/** Where one entry landed (the shape of a JournalStore receipt, restated to keep the ledger free of ports). */
export type Receipt = { readonly index: number; readonly leafHash: Hash; readonly treeSize: number };

/**
 * The receipts of `entries` journaled at consecutive indexes from `firstIndex`, first included by
 * the tree of `treeSize` entries. Leaf hashes are recomputed here from the caller's own bytes, so a
 * receipt never depends on hashes the database reported.
 * Requires firstIndex + entries.length <= treeSize.
 */
export function receiptsFor(entries: readonly Uint8Array[], firstIndex: number, treeSize: number): Receipt[] {
  if (!Number.isSafeInteger(firstIndex) || firstIndex < 0 || firstIndex + entries.length > treeSize) {
    throw new RangeError(`entries [${firstIndex}, ${firstIndex + entries.length}) do not fit in a tree of size ${treeSize}`);
  }
  return entries.map((entry, offset) => ({ index: firstIndex + offset, leafHash: leafHash(entry), treeSize }));
}

/**
 * How often the log signs. Signatures cost (a KMS call, a row, a published object), and verifiers
 * want fresh checkpoints; the policy bounds both.
 */
export type CheckpointPolicy = {
  /** Never sign sooner than this after the previous signature, in milliseconds. */
  readonly minInterval: number;
  /** While the tree grows, sign at least this often, in milliseconds (someone must call `checkpoint` that often). */
  readonly maxInterval: number;
};

/** At most one signature a second; at least one a minute while the tree grows. */
export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = { minInterval: 1_000, maxInterval: 60_000 };

/**
 * Whether to sign the tree head of `treeSize` now.
 * - Nothing new (the last checkpoint has this size): never.
 * - No checkpoint yet: always (the first one anchors every later consistency check).
 * - Within minInterval of the last signature: never.
 * - Someone needs a checkpoint covering `wantedSize` (> last signed size): yes.
 * - maxInterval or more since the last signature: yes.
 * Requires minInterval <= maxInterval, both non-negative.
 */
export function checkpointDue(options: {
  policy: CheckpointPolicy;
  now: number;
  treeSize: number;
  last: { size: number; signedAt: number } | undefined;
  wantedSize?: number;
}): boolean {
  const { policy, now, treeSize, last, wantedSize } = options;
  if (!(policy.minInterval >= 0 && policy.minInterval <= policy.maxInterval)) {
    throw new RangeError(`checkpoint policy needs 0 <= minInterval <= maxInterval, got ${policy.minInterval} and ${policy.maxInterval}`);
  }
  if (last === undefined) return true;
  if (treeSize <= last.size) return false;
  const elapsed = now - last.signedAt;
  if (elapsed < policy.minInterval) return false;
  if (wantedSize !== undefined && wantedSize > last.size) return true;
  return elapsed >= policy.maxInterval;
}
