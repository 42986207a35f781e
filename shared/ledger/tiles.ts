/**
 * Which stored hashes a set of tree nodes is computed from, and the computation itself: the
 * storage-free half of serving proofs from a tiled store (in the manner of C2SP tlog-tiles).
 *
 * The journal stores the hash of every complete node whose level is a positive multiple of
 * TILE_HEIGHT = 4 (levels 4, 8, 12, …: one node per 16 leaves, per 256 leaves, …) and the entries
 * themselves, from which the level-0 hashes (leaf hashes) are recomputed. Any other complete node
 * at level L is the Merkle root of 2^(L mod 4) ≤ 8 consecutive nodes at the stored level below it.
 * A proof's nodes lie near at most three points of the tree (the leaf or the smaller tree's edge,
 * and the larger tree's edge), so per stored level they need at most three contiguous spans of
 * fewer than 3 × 16 stored nodes: O(log n) indexed range reads of a few rows each.
 *
 * Why height 4 and no leaf hashes: tlog-tiles uses 8 because its tiles are static files. Here a
 * tile is a range of rows, and the trade-off is work per proof against bytes per entry. At height
 * 8 a proof at 10^6 entries reads and rehashes about 600 rows; at 4, about a fifth of that, for
 * about 7 bytes per entry of node rows (one ~110-byte row and index entry per 16 entries). Leaf
 * hashes are recomputed from the entries because storing them (a level-0 tile) would cost ~34
 * bytes per entry, which with the entry rows themselves (~64 bytes each beyond the entry) would
 * not fit the journal's budget of 100 bytes per entry.
 */
import { nodeHash, type Hash } from './hashing.ts';
import { nodeId, type NodeId } from './node-id.ts';

/** The stored levels are the multiples of TILE_HEIGHT; level 0 (leaf hashes) is derived from the entries. */
export const TILE_HEIGHT = 4;

/** Whether the store keeps the hash of every complete node at `level` as a row (levels 4, 8, 12, …). */
export function isStoredNodeLevel(level: number): boolean {
  return level > 0 && level % TILE_HEIGHT === 0;
}

/** The nodes [begin, end) at stored level `level` (0 = leaf hashes recomputed from entries). */
export type StoredSpan = { readonly level: number; readonly begin: number; readonly end: number };

/** The stored nodes node `id` is computed from: itself at a stored level, else its descendants at the stored level below. */
export function storedSpanOf(id: NodeId): StoredSpan {
  const below = id.level - (id.level % TILE_HEIGHT);
  const width = 2 ** (id.level - below);
  return { level: below, begin: id.index * width, end: (id.index + 1) * width };
}

/**
 * The stored spans all of `ids` are computed from, one per stored level and contiguous run:
 * overlapping and adjacent spans are merged, sorted by level then begin. Requires every id to be a
 * complete node (as the ids of a ProofPlan are).
 */
export function storedSpans(ids: readonly NodeId[]): StoredSpan[] {
  const sorted = ids.map(storedSpanOf).sort((a, b) => a.level - b.level || a.begin - b.begin);
  const merged: StoredSpan[] = [];
  for (const span of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.level === span.level && span.begin <= last.end) {
      merged[merged.length - 1] = { level: last.level, begin: last.begin, end: Math.max(last.end, span.end) };
    } else {
      merged.push(span);
    }
  }
  return merged;
}

/** Looks up the stored hash of node (level, index), level being a stored level (0 = leaf hash). */
export type StoredHashLookup = (level: number, index: number) => Hash;

/**
 * The hashes of `ids`, in order, computed from stored hashes only. `lookup` must return the stored
 * hash of every node in `storedSpans(ids)`; it may throw for anything it does not have.
 */
export function hashNodes(ids: readonly NodeId[], lookup: StoredHashLookup): Hash[] {
  return ids.map((id) => {
    const span = storedSpanOf(id);
    const hashes: Hash[] = [];
    for (let index = span.begin; index < span.end; index++) hashes.push(lookup(span.level, index));
    return subtreeRoot(hashes);
  });
}

/**
 * The Merkle root of a complete subtree from its 2^k bottom hashes, left to right.
 * Requires hashes.length to be a power of two (1 gives the hash itself).
 */
export function subtreeRoot(hashes: readonly Hash[]): Hash {
  let level = [...hashes];
  if (level.length === 0 || (level.length & (level.length - 1)) !== 0) {
    throw new RangeError(`a complete subtree has a power-of-two number of bottom hashes, got ${level.length}`);
  }
  while (level.length > 1) {
    const parents: Hash[] = [];
    for (let i = 0; i < level.length; i += 2) parents.push(nodeHash(level[i] as Hash, level[i + 1] as Hash));
    level = parents;
  }
  return level[0] as Hash;
}

/** The stored node at `level` (a stored level) that covers leaf `leafIndex`. */
export function storedNodeAbove(level: number, leafIndex: number): NodeId {
  return nodeId(level, Math.floor(leafIndex / 2 ** level));
}
