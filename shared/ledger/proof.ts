/**
 * Which stored nodes an RFC 9162 proof needs, without touching storage (as transparency-dev/merkle
 * proof.Inclusion and proof.Consistency). The caller fetches the hashes of `ids` from wherever it
 * keeps complete subtrees and hands them to `rehash`, which returns the proof.
 *
 * Every proof is the path from one node up to the root, bottom-up. Along it, every sibling is a
 * complete subtree except at most one: the right sibling at the level just below where the path
 * meets the tree's right edge. That sibling covers [begin, size) with size not on a subtree
 * boundary, so it is not stored; the plan lists the complete subtrees covering that range instead,
 * and `rehash` folds them into the one hash the proof needs.
 */
import { bitLength, isTreeNumber, shiftLeft, shiftRight, trailingZeros, xor } from './bits.ts';
import { IndexOutOfRangeError, InvalidTreeSizesError, WrongNodeCountError } from './errors.ts';
import { nodeHash, requireHashSizes, type Hash } from './hashing.ts';
import { nodeId, rangeNodes, type NodeId } from './node-id.ts';

export type ProofPlan = {
  /** Complete-subtree nodes to fetch, in this order. */
  readonly ids: readonly NodeId[];
  /** Turns the fetched hashes (same order as ids) into the RFC 9162 proof. Does not modify its argument. */
  rehash(hashes: readonly Hash[]): Hash[];
};

/**
 * The nodes of the inclusion proof (RFC 9162 §2.1.3) for leaf `index` in the tree of `size` leaves.
 * Requires 0 <= index < size; throws IndexOutOfRangeError otherwise.
 */
export function inclusionProofPlan(index: number, size: number): ProofPlan {
  if (!isTreeNumber(index) || !isTreeNumber(size) || index >= size) throw new IndexOutOfRangeError(index, size);
  return pathPlan(nodeId(0, index), size, []);
}

/**
 * The nodes of the consistency proof (RFC 9162 §2.1.4) between trees of size1 and size2 leaves.
 * Requires 0 < size1 <= size2; throws InvalidTreeSizesError otherwise. size1 == size2 gives an empty proof.
 */
export function consistencyProofPlan(size1: number, size2: number): ProofPlan {
  if (!isTreeNumber(size1) || !isTreeNumber(size2) || size1 === 0 || size1 > size2) {
    throw new InvalidTreeSizesError(size1, size2);
  }
  if (size1 === size2) return plan([], 0, 0);
  // The proof is the inclusion path, in the tree of size2, of the last complete subtree of the
  // tree of size1: its lowest set bit. The verifier derives root1 from that subtree and the
  // left siblings on the path, and root2 from all of it.
  const level = trailingZeros(size1);
  const seed = nodeId(level, shiftRight(size1, level) - 1);
  // When size1 is a power of two the seed is root1 itself, which the verifier already holds.
  const leading = seed.index === 0 ? [] : [seed];
  return pathPlan(seed, size2, leading);
}

/** The plan for `leading`, then the siblings on the path from `start` up to the root of the tree of `size`. Requires `start` to be a complete subtree of that tree. */
function pathPlan(start: NodeId, size: number, leading: NodeId[]): ProofPlan {
  const ids = [...leading];
  const { level, index } = start;
  // The path meets the right edge at the lowest common ancestor of `start` and the last node at its level.
  const last = shiftRight(size - 1, level);
  const inner = bitLength(xor(index, last));
  // Below the meeting point every sibling is complete.
  for (let step = 0; step < inner - 1; step++) {
    ids.push(nodeId(level + step, xor(shiftRight(index, step), 1)));
  }
  // Just below it, the right sibling runs to the end of the tree and may be incomplete.
  let ephemeralBegin = 0;
  let ephemeralEnd = 0;
  if (inner > 0) {
    const siblingLevel = level + inner - 1;
    const siblingBegin = shiftLeft(shiftRight(index, inner - 1) + 1, siblingLevel);
    ephemeralBegin = ids.length;
    ids.push(...rangeNodes(siblingBegin, size));
    ephemeralEnd = ids.length;
  }
  // Above it, the path runs along the right edge, where only left siblings exist.
  const height = bitLength(last);
  for (let step = inner; step < height; step++) {
    const ancestor = shiftRight(index, step);
    if (ancestor % 2 === 1) ids.push(nodeId(level + step, ancestor - 1));
  }
  return plan(ids, ephemeralBegin, ephemeralEnd);
}

/** A plan whose hashes ids[begin, end) fold into one ephemeral node; begin == end when there is none. */
function plan(ids: readonly NodeId[], begin: number, end: number): ProofPlan {
  return {
    ids,
    rehash(hashes: readonly Hash[]): Hash[] {
      if (hashes.length !== ids.length) throw new WrongNodeCountError(hashes.length, ids.length);
      requireHashSizes(hashes, 'hashes');
      if (end - begin < 2) return [...hashes];
      // The ephemeral node's hash, as RFC 9162 splits its range: each subtree is the left child
      // of the node joining it to everything on its right.
      let ephemeral = hashes[end - 1] as Hash;
      for (let position = end - 2; position >= begin; position--) {
        ephemeral = nodeHash(hashes[position] as Hash, ephemeral);
      }
      return [...hashes.slice(0, begin), ephemeral, ...hashes.slice(end)];
    },
  };
}
