/**
 * The right edge of the tree: the hashes of the complete subtrees covering leaves [0, size), one
 * per set bit of size (as transparency-dev/merkle compact.Range starting at 0). That is all a
 * sequencer needs to append leaves and compute roots; the nodes each append completes are reported
 * through a callback, so storing them is the caller's business.
 */
import { isTreeNumber, popcount } from './bits.ts';
import { InvalidRightEdgeError, LedgerError } from './errors.ts';
import { EMPTY_ROOT, nodeHash, requireHashSize, requireHashSizes, type Hash } from './hashing.ts';
import { nodeId, type NodeId } from './node-id.ts';

export class CompactRange {
  #size: number;
  /** Left (largest subtree) to right; hashes[i] is the subtree for the i-th highest set bit of size. */
  readonly #hashes: Hash[];

  private constructor(size: number, hashes: Hash[]) {
    this.#size = size;
    this.#hashes = hashes;
  }

  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /**
   * The range of a tree of `size` leaves, from the hashes of the complete subtrees covering [0, size),
   * left (largest) to right. Requires size to be a non-negative safe integer and one 32-byte hash per set bit of it.
   */
  static fromRightEdge(size: number, hashes: readonly Hash[]): CompactRange {
    if (!isTreeNumber(size)) throw new InvalidRightEdgeError(size, hashes.length, undefined);
    const want = popcount(size);
    if (hashes.length !== want) throw new InvalidRightEdgeError(size, hashes.length, want);
    requireHashSizes(hashes, 'hashes');
    return new CompactRange(size, hashes.map((hash) => hash.slice()));
  }

  get size(): number {
    return this.#size;
  }

  /** A copy of the right edge, left (largest subtree) to right: what fromRightEdge takes back. */
  get rightEdge(): Hash[] {
    return this.#hashes.map((hash) => hash.slice());
  }

  /**
   * Appends the leaf with `leafHash` as leaf number `size`. `visit` is called with the leaf
   * (level 0) and then with each complete subtree this append completes, bottom-up; over the life
   * of the range it sees every complete subtree exactly once. The hashes it gets must not be mutated.
   */
  append(leafHash: Hash, visit?: (id: NodeId, hash: Hash) => void): void {
    requireHashSize(leafHash, 'leafHash');
    if (this.#size >= Number.MAX_SAFE_INTEGER) {
      throw new LedgerError(`tree size ${this.#size} cannot grow: leaf indices must stay safe integers`);
    }
    let hash: Hash = leafHash.slice();
    let level = 0;
    let index = this.#size;
    visit?.(nodeId(level, index), hash);
    // Each trailing one bit of size is a subtree of the same height as the new one, on its left: merge them.
    while (index % 2 === 1) {
      hash = nodeHash(this.#hashes.pop() as Hash, hash);
      level++;
      index = (index - 1) / 2;
      visit?.(nodeId(level, index), hash);
    }
    this.#hashes.push(hash);
    this.#size++;
  }

  /** The RFC 9162 root of the tree of `size` leaves; EMPTY_ROOT when size is 0. */
  root(): Hash {
    const hashes = this.#hashes;
    if (hashes.length === 0) return EMPTY_ROOT.slice();
    // RFC 9162 splits off the largest complete subtree on the left, so fold from the right.
    let root = hashes[hashes.length - 1] as Hash;
    for (let position = hashes.length - 2; position >= 0; position--) {
      root = nodeHash(hashes[position] as Hash, root);
    }
    return root === hashes[hashes.length - 1] ? root.slice() : root;
  }
}
