import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidHashSizeError, WrongProofSizeError } from '../../shared/ledger/errors.ts';
import { HASH_SIZE, type Hash } from '../../shared/ledger/hashing.ts';
import { nodeCoverage, type NodeId } from '../../shared/ledger/node-id.ts';
import { consistencyProofPlan, inclusionProofPlan } from '../../shared/ledger/proof.ts';
import { rootFromConsistencyProof, rootFromInclusionProof } from '../../shared/ledger/verify.ts';
import { buildLedgerTree } from '../support/ledger-tree.ts';

const MAX_SIZE = Number.MAX_SAFE_INTEGER;

function randomHashes(count: number): Hash[] {
  return Array.from({ length: count }, () => crypto.getRandomValues(new Uint8Array(HASH_SIZE)));
}

function isCompleteIn(id: NodeId, size: number): boolean {
  const { end } = nodeCoverage(id);
  return Number.isSafeInteger(end) && end <= size;
}

const leafPosition = fc
  .integer({ min: 1, max: MAX_SIZE })
  .chain((size) => fc.record({ index: fc.integer({ min: 0, max: size - 1 }), size: fc.constant(size) }));

const sizePair = fc
  .integer({ min: 1, max: MAX_SIZE })
  .chain((size2) => fc.record({ size1: fc.integer({ min: 1, max: size2 }), size2: fc.constant(size2) }));

describe('inclusionProofPlan', () => {
  it('lists the complete subtrees behind an ephemeral sibling, and rehash folds them', () => {
    // Prepare: in a tree of 7 leaves, leaf 2's path needs the incomplete node over leaves [4, 7).
    const tree = buildLedgerTree(7);
    const plan = inclusionProofPlan(2, 7);

    // Act
    const proof = tree.store.proof(plan);

    // Assess
    expect(plan.ids).toEqual([
      { level: 0, index: 3 },
      { level: 1, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    expect(proof).toEqual(tree.reference.inclusionProof(2, 7));
  });

  it('asks only for complete subtrees, as many as the verifier expects, for any size below 2^53', () => {
    fc.assert(
      fc.property(leafPosition, ({ index, size }) => {
        // Act
        const plan = inclusionProofPlan(index, size);
        const proof = plan.rehash(randomHashes(plan.ids.length));

        // Assess: the verifier accepts the proof's shape (any hashes give some root).
        expect(plan.ids.every((id) => isCompleteIn(id, size))).toBe(true);
        expect(rootFromInclusionProof(index, size, randomHashes(1)[0] as Hash, proof)).toHaveLength(HASH_SIZE);
      }),
    );
  });
});

describe('consistencyProofPlan', () => {
  it('is empty between equal sizes', () => {
    // Act
    const plan = consistencyProofPlan(5, 5);

    // Assess
    expect({ ids: plan.ids, proof: plan.rehash([]) }).toEqual({ ids: [], proof: [] });
  });

  it('starts with the last complete subtree of the old tree unless its size is a power of two', () => {
    // Act
    const fromSix = consistencyProofPlan(6, 8).ids[0];
    const fromFour = consistencyProofPlan(4, 8).ids[0];

    // Assess: 6 = 4 + 2 ends with the node over [4, 6); 4 is the old root itself, which the verifier holds.
    expect({ fromSix, fromFour }).toEqual({ fromSix: { level: 1, index: 2 }, fromFour: { level: 2, index: 1 } });
  });

  it('asks only for complete subtrees, as many as the verifier expects, for any sizes below 2^53', () => {
    fc.assert(
      fc.property(sizePair, ({ size1, size2 }) => {
        // Act
        const plan = consistencyProofPlan(size1, size2);
        const proof = plan.rehash(randomHashes(plan.ids.length));

        // Assess: the shape passes; only the root1 comparison can fail on random hashes.
        expect(plan.ids.every((id) => isCompleteIn(id, size2))).toBe(true);
        const verify = () => rootFromConsistencyProof(size1, size2, proof, randomHashes(1)[0] as Hash);
        expect(verify).not.toThrow(WrongProofSizeError);
        expect(verify).not.toThrow(InvalidHashSizeError);
      }),
    );
  });
});

describe('ProofPlan.rehash', () => {
  it('leaves the fetched hashes untouched', () => {
    // Prepare
    const plan = inclusionProofPlan(2, 7);
    const fetched = randomHashes(plan.ids.length);
    const copy = fetched.map((hash) => hash.slice());

    // Act
    plan.rehash(fetched);

    // Assess
    expect(fetched).toEqual(copy);
  });

  it('rejects a fetched hash that is not 32 bytes', () => {
    // Prepare
    const plan = inclusionProofPlan(2, 7);
    const fetched = randomHashes(plan.ids.length);
    fetched[2] = new Uint8Array(16);

    // Act / Assess
    expect(() => plan.rehash(fetched)).toThrow(InvalidHashSizeError);
  });
});
