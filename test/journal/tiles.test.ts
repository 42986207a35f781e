import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { consistencyProofPlan, inclusionProofPlan } from '../../shared/ledger/proof.ts';
import { leafHash, type Hash } from '../../shared/ledger/hashing.ts';
import { hashNodes, isStoredNodeLevel, storedSpanOf, storedSpans, subtreeRoot } from '../../shared/ledger/tiles.ts';
import { verifyConsistency, verifyInclusion } from '../../shared/ledger/verify.ts';
import { CompactRange } from '../../shared/ledger/compact-range.ts';
import { nodeId } from '../../shared/ledger/node-id.ts';

/** A tree that keeps only what the journal stores: leaf hashes (from entries) and nodes at levels 4, 8, … */
function storedTree(size: number): { lookup: (level: number, index: number) => Hash; roots: Hash[]; nodeCount: number } {
  const stored = new Map<string, Hash>();
  const range = CompactRange.empty();
  const roots: Hash[] = [range.root()];
  let nodeCount = 0;
  for (let i = 0; i < size; i++) {
    range.append(leafHash(Buffer.from(`entry ${i}`)), (id, hash) => {
      if (id.level === 0 || isStoredNodeLevel(id.level)) stored.set(`${id.level}/${id.index}`, hash);
      if (isStoredNodeLevel(id.level)) nodeCount++;
    });
    roots.push(range.root());
  }
  const lookup = (level: number, index: number) => {
    const hash = stored.get(`${level}/${index}`);
    if (hash === undefined) throw new RangeError(`not stored: ${level}/${index}`);
    return hash;
  };
  return { lookup, roots, nodeCount };
}

describe('stored levels', () => {
  it('are the positive multiples of 4', () => {
    // Act
    const stored = [0, 1, 3, 4, 5, 8, 12, 13].filter(isStoredNodeLevel);
    // Assess
    expect(stored).toEqual([4, 8, 12]);
  });

  it('map a node to the span of stored nodes below it', () => {
    // Act
    const spans = [storedSpanOf(nodeId(3, 5)), storedSpanOf(nodeId(8, 2)), storedSpanOf(nodeId(10, 1))];
    // Assess
    expect(spans).toEqual([
      { level: 0, begin: 40, end: 48 },
      { level: 8, begin: 2, end: 3 },
      { level: 8, begin: 4, end: 8 },
    ]);
  });

  it('merge overlapping and adjacent spans per level', () => {
    // Act
    const spans = storedSpans([nodeId(1, 0), nodeId(0, 2), nodeId(2, 4), nodeId(9, 0), nodeId(8, 2), nodeId(6, 1)]);
    // Assess
    expect(spans).toEqual([
      { level: 0, begin: 0, end: 3 },
      { level: 0, begin: 16, end: 20 },
      { level: 4, begin: 4, end: 8 },
      { level: 8, begin: 0, end: 3 },
    ]);
  });
});

describe('subtreeRoot', () => {
  it('refuses a number of hashes that is not a power of two', () => {
    // Prepare
    const three = [1, 2, 3].map((i) => leafHash(Buffer.from([i])));
    // Act and assess
    expect(() => subtreeRoot(three)).toThrow(/power-of-two/);
  });
});

describe('proofs from stored nodes only', () => {
  const size = 70_000; // past 2^16, so levels 4 to 16 all serve proofs
  const tree = storedTree(size);

  it('stores about one node per 16 leaves', () => {
    // Assess: floor(n / 2^L) at each of levels 4, 8, 12 and 16
    expect(tree.nodeCount).toBe([4, 8, 12, 16].reduce((sum, level) => sum + Math.floor(size / 2 ** level), 0));
  });

  it('give inclusion proofs that verify, for any index and size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: size }), fc.nat(), (treeSize, seed) => {
        // Prepare
        const index = seed % treeSize;
        const plan = inclusionProofPlan(index, treeSize);
        // Act
        const proof = plan.rehash(hashNodes(plan.ids, tree.lookup));
        // Assess
        expect(() => verifyInclusion(index, treeSize, leafHash(Buffer.from(`entry ${index}`)), proof, tree.roots[treeSize] as Hash)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('give consistency proofs that verify, for any two sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: size }), fc.integer({ min: 1, max: size }), (a, b) => {
        // Prepare
        const [size1, size2] = a <= b ? [a, b] : [b, a];
        const plan = consistencyProofPlan(size1, size2);
        // Act
        const proof = plan.rehash(hashNodes(plan.ids, tree.lookup));
        // Assess
        expect(() => verifyConsistency(size1, size2, proof, tree.roots[size1] as Hash, tree.roots[size2] as Hash)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('need at most three spans of fewer than 3 × 16 stored nodes per stored level', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.nat(), fc.nat(), (treeSize, seed1, seed2) => {
        // Prepare: sizes far beyond the test tree; only the plans are computed
        const inclusion = inclusionProofPlan(seed1 % treeSize, treeSize);
        const consistency = consistencyProofPlan(1 + (seed2 % treeSize), treeSize);
        for (const plan of [inclusion, consistency]) {
          // Act
          const spans = storedSpans(plan.ids);
          // Assess
          for (const level of new Set(spans.map((span) => span.level))) {
            const atLevel = spans.filter((span) => span.level === level);
            expect(atLevel.length).toBeLessThanOrEqual(3);
            expect(atLevel.reduce((sum, span) => sum + span.end - span.begin, 0)).toBeLessThan(3 * 16);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
