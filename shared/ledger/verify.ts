/**
 * Pure RFC 9162 proof verification (§2.1.3.2 and §2.1.4.2), restated as in transparency-dev/merkle:
 * a proof splits into an "inner" part, below the level where the path to the proven node meets
 * the tree's right edge, and a "border" part along that edge, which holds only left siblings.
 * Every function checks the proof's length before hashing anything, and throws a LedgerProofError.
 */
import { bitLength, isTreeNumber, popcount, shiftRight, trailingZeros, xor } from './bits.ts';
import { IndexOutOfRangeError, InvalidTreeSizesError, RootMismatchError, WrongProofSizeError } from './errors.ts';
import { equalHashes, nodeHash, requireHashSize, requireHashSizes, type Hash } from './hashing.ts';

/**
 * The root of the tree of `size` leaves implied by an inclusion proof for the leaf at `index`.
 * Requires 0 <= index < size.
 */
export function rootFromInclusionProof(index: number, size: number, leafHash: Hash, proof: readonly Hash[]): Hash {
  if (!isTreeNumber(index) || !isTreeNumber(size) || index >= size) throw new IndexOutOfRangeError(index, size);
  requireHashSize(leafHash, 'leafHash');
  const { inner, border } = decompose(index, size - 1);
  requireProofShape(proof, inner + border);
  const hash = chainInner(leafHash, proof, inner, index);
  return chainBorder(hash, proof, inner);
}

/** Throws unless `proof` proves that the leaf `leafHash` is at `index` in the tree of `size` leaves with `root`. Requires 0 <= index < size. */
export function verifyInclusion(index: number, size: number, leafHash: Hash, proof: readonly Hash[], root: Hash): void {
  requireMatch(rootFromInclusionProof(index, size, leafHash, proof), root, 'root');
}

/**
 * The root of the tree of size2 leaves implied by a consistency proof from the tree of size1
 * leaves with `root1`; throws RootMismatchError if the proof does not reproduce root1.
 * Requires 0 < size1 <= size2.
 */
export function rootFromConsistencyProof(size1: number, size2: number, proof: readonly Hash[], root1: Hash): Hash {
  if (!isTreeNumber(size1) || !isTreeNumber(size2) || size1 === 0 || size1 > size2) {
    throw new InvalidTreeSizesError(size1, size2);
  }
  if (size1 === size2) {
    requireProofShape(proof, 0);
    return root1;
  }
  // The proof is the inclusion path, in the tree of size2, of the last complete subtree of the
  // tree of size1, seen one level up per trailing zero of size1 so that subtree is a "leaf".
  const level = trailingZeros(size1);
  const index = shiftRight(size1 - 1, level);
  const { inner, border } = decompose(index, shiftRight(size2 - 1, level));
  // That subtree heads the proof, unless size1 is a power of two: then it is root1 itself.
  const start = index === 0 ? 0 : 1;
  requireProofShape(proof, start + inner + border);
  requireHashSize(root1, 'root1');
  const path = start === 0 ? proof : proof.slice(1);
  const seed = start === 0 ? root1 : (proof[0] as Hash);

  // Root1 is built from the left siblings only: the nodes to the right were not yet in the tree.
  const hash1 = chainBorder(chainInnerLeftSiblings(seed, path, inner, index), path, inner);
  requireMatch(hash1, root1, 'root1');
  return chainBorder(chainInner(seed, path, inner, index), path, inner);
}

/** Throws unless `proof` proves that the tree of size2 leaves with root2 extends the tree of size1 leaves with root1. Requires 0 < size1 <= size2. */
export function verifyConsistency(size1: number, size2: number, proof: readonly Hash[], root1: Hash, root2: Hash): void {
  requireMatch(rootFromConsistencyProof(size1, size2, proof, root1), root2, 'root2');
}

/** How many proof hashes lie below (inner) and along (border) the right edge, for node `index` among nodes [0, last]. */
function decompose(index: number, last: number): { inner: number; border: number } {
  const inner = bitLength(xor(index, last));
  return { inner, border: popcount(shiftRight(index, inner)) };
}

function requireProofShape(proof: readonly Hash[], want: number): void {
  if (proof.length !== want) throw new WrongProofSizeError(proof.length, want);
  requireHashSizes(proof, 'proof');
}

function requireMatch(computed: Hash, expected: Hash, subject: string): void {
  if (!equalHashes(computed, expected)) throw new RootMismatchError(computed, expected, subject);
}

/** Hashes `seed`, the node at `index` on its level, up through proof[0, inner): each bit of index says which side it is on. */
function chainInner(seed: Hash, proof: readonly Hash[], inner: number, index: number): Hash {
  let hash = seed;
  let position = index;
  for (let step = 0; step < inner; step++) {
    const sibling = proof[step] as Hash;
    hash = position % 2 === 0 ? nodeHash(hash, sibling) : nodeHash(sibling, hash);
    position = Math.floor(position / 2);
  }
  return hash;
}

/** As chainInner, but skipping right siblings: the hash of the same subtree before they existed. */
function chainInnerLeftSiblings(seed: Hash, proof: readonly Hash[], inner: number, index: number): Hash {
  let hash = seed;
  let position = index;
  for (let step = 0; step < inner; step++) {
    if (position % 2 === 1) hash = nodeHash(proof[step] as Hash, hash);
    position = Math.floor(position / 2);
  }
  return hash;
}

/** Hashes up the right edge through proof[inner, end): there every sibling is on the left. */
function chainBorder(seed: Hash, proof: readonly Hash[], inner: number): Hash {
  let hash = seed;
  for (let step = inner; step < proof.length; step++) hash = nodeHash(proof[step] as Hash, hash);
  return hash;
}
