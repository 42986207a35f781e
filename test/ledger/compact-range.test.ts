import { describe, expect, it } from 'vitest';
import { CompactRange } from '../../shared/ledger/compact-range.ts';
import { InvalidHashSizeError, InvalidRightEdgeError } from '../../shared/ledger/errors.ts';
import { EMPTY_ROOT, HASH_SIZE, type Hash } from '../../shared/ledger/hashing.ts';
import type { NodeId } from '../../shared/ledger/node-id.ts';
import { buildLedgerTree } from '../support/ledger-tree.ts';

const SIZE = 300;
const tree = buildLedgerTree(SIZE);

function leaf(i: number): Hash {
  return tree.leafHashes[i] as Hash;
}

function rangeOfSize(size: number): CompactRange {
  const range = CompactRange.empty();
  for (let i = 0; i < size; i++) range.append(leaf(i));
  return range;
}

/** The complete subtrees that appending leaf `size - 1` completes: those ending exactly at `size`, bottom-up. */
function subtreesEndingAt(size: number): NodeId[] {
  const ids: NodeId[] = [];
  for (let level = 0; size % 2 ** level === 0; level++) ids.push({ level, index: size / 2 ** level - 1 });
  return ids;
}

function popcount(n: number): number {
  return n.toString(2).replaceAll('0', '').length;
}

describe('CompactRange', () => {
  it('starts empty, with the empty root', () => {
    // Act
    const range = CompactRange.empty();

    // Assess
    expect({ size: range.size, rightEdge: range.rightEdge, root: range.root() }).toEqual({
      size: 0,
      rightEdge: [],
      root: EMPTY_ROOT,
    });
  });

  it('visit reports exactly the leaf and the subtrees each append completes, bottom-up', () => {
    // Prepare
    const range = CompactRange.empty();
    const mismatches: number[] = [];

    // Act
    for (let i = 0; i < SIZE; i++) {
      const visited: NodeId[] = [];
      range.append(leaf(i), (id) => visited.push(id));
      if (JSON.stringify(visited) !== JSON.stringify(subtreesEndingAt(i + 1))) mismatches.push(i);
    }

    // Assess
    expect(mismatches).toEqual([]);
  });

  it('visit reports each complete subtree once: 2n - popcount(n) nodes for n leaves, about one interior node per leaf', () => {
    // Prepare
    const seen = new Set<string>();
    let visits = 0;

    // Act
    const range = CompactRange.empty();
    for (let i = 0; i < SIZE; i++) {
      range.append(leaf(i), (id) => {
        visits++;
        seen.add(`${id.level}:${id.index}`);
      });
    }

    // Assess
    expect({ visits, distinct: seen.size }).toEqual({ visits: 2 * SIZE - popcount(SIZE), distinct: 2 * SIZE - popcount(SIZE) });
  });

  it('visit reports the hash of the subtree it names', () => {
    // Prepare
    const range = CompactRange.empty();
    const wrong: string[] = [];

    // Act
    for (let i = 0; i < SIZE; i++) {
      range.append(leaf(i), (id, hash) => {
        const begin = id.index * 2 ** id.level;
        const expected = tree.reference.hash(begin, begin + 2 ** id.level);
        if (!Buffer.from(hash).equals(expected)) wrong.push(`${id.level}:${id.index}`);
      });
    }

    // Assess
    expect(wrong).toEqual([]);
  });

  it('rebuilt from its right edge, continues exactly like the original', () => {
    // Prepare
    const original = rangeOfSize(37);
    const rebuilt = CompactRange.fromRightEdge(original.size, original.rightEdge);

    // Act
    for (let i = 37; i < 64; i++) {
      original.append(leaf(i));
      rebuilt.append(leaf(i));
    }

    // Assess
    expect({ size: rebuilt.size, root: rebuilt.root() }).toEqual({ size: 64, root: tree.reference.root(64) });
  });

  it('rightEdge has one hash per set bit of size, largest subtree first', () => {
    // Prepare
    const range = rangeOfSize(13); // 8 + 4 + 1

    // Act
    const edge = range.rightEdge;

    // Assess
    expect(edge).toEqual([tree.reference.hash(0, 8), tree.reference.hash(8, 12), tree.reference.hash(12, 13)]);
  });

  it('rightEdge is a copy: mutating it does not change the range', () => {
    // Prepare
    const range = rangeOfSize(5);
    const root = range.root();

    // Act
    range.rightEdge.forEach((hash) => hash.fill(0));

    // Assess
    expect(range.root()).toEqual(root);
  });

  it('keeps its own copy of appended leaf hashes', () => {
    // Prepare
    const range = CompactRange.empty();
    const leafHash = leaf(0).slice();

    // Act
    range.append(leafHash);
    leafHash.fill(0);

    // Assess
    expect(range.root()).toEqual(tree.reference.root(1));
  });

  it('root of a single leaf is a copy, not the stored hash', () => {
    // Prepare
    const range = rangeOfSize(1);

    // Act
    range.root().fill(0);

    // Assess
    expect(range.root()).toEqual(tree.reference.root(1));
  });

  it('rejects a leaf hash that is not 32 bytes', () => {
    // Prepare
    const range = CompactRange.empty();

    // Act / Assess
    expect(() => range.append(new Uint8Array(31))).toThrow(InvalidHashSizeError);
  });
});

describe('CompactRange.fromRightEdge', () => {
  it('accepts a size 0 with no hashes', () => {
    // Act
    const range = CompactRange.fromRightEdge(0, []);

    // Assess
    expect(range.root()).toEqual(EMPTY_ROOT);
  });

  it.each([
    { size: 5, hashes: 1, want: 2 },
    { size: 5, hashes: 3, want: 2 },
    { size: 8, hashes: 2, want: 1 },
    { size: 0, hashes: 1, want: 0 },
  ])('rejects $hashes hashes for size $size (want $want)', ({ size, hashes, want }) => {
    // Prepare
    const edge = Array.from({ length: hashes }, () => new Uint8Array(HASH_SIZE));

    // Act
    const build = () => CompactRange.fromRightEdge(size, edge);

    // Assess
    expect(build).toThrow(InvalidRightEdgeError);
    expect(build).toThrow(`right edge of tree size ${size} has ${hashes} hashes, want ${want}`);
  });

  it.each([-1, 2.5, Number.NaN, 2 ** 53])('rejects the tree size %s', (size) => {
    // Act
    const build = () => CompactRange.fromRightEdge(size, []);

    // Assess
    expect(build).toThrow(InvalidRightEdgeError);
  });

  it('carries size, got and want on the error', () => {
    // Act
    let error: unknown;
    try {
      CompactRange.fromRightEdge(6, [new Uint8Array(HASH_SIZE)]);
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toMatchObject({ name: 'InvalidRightEdgeError', size: 6, got: 1, want: 2 });
  });

  it('rejects a hash that is not 32 bytes, naming it', () => {
    // Prepare
    const edge = [new Uint8Array(HASH_SIZE), new Uint8Array(12)];

    // Act
    const build = () => CompactRange.fromRightEdge(3, edge);

    // Assess
    expect(build).toThrow(InvalidHashSizeError);
    expect(build).toThrow('hashes[1] has 12 bytes, want 32');
  });

  it('copies the hashes it is given', () => {
    // Prepare
    const edge = rangeOfSize(3).rightEdge;
    const range = CompactRange.fromRightEdge(3, edge);

    // Act
    edge.forEach((hash) => hash.fill(0));

    // Assess
    expect(range.root()).toEqual(tree.reference.root(3));
  });
});
