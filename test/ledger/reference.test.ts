/**
 * Cross-checks the fast ledger code against the naive RFC 6962 reference tree: exhaustively for
 * every tree size up to 300, and on random sizes up to 100,000 with fast-check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactRange } from '../../shared/ledger/compact-range.ts';
import { RootMismatchError } from '../../shared/ledger/errors.ts';
import { rangeNodes } from '../../shared/ledger/node-id.ts';
import { consistencyProofPlan, inclusionProofPlan } from '../../shared/ledger/proof.ts';
import { verifyConsistency, verifyInclusion } from '../../shared/ledger/verify.ts';
import { buildLedgerTree, type LedgerTree } from '../support/ledger-tree.ts';

const SMALL_SIZE = 300;
const LARGE_SIZE = 100_000;
const RANDOM_RUNS = 200;

const small = buildLedgerTree(SMALL_SIZE);
// Built on first use and shared by the random tests; about half a second.
let large: LedgerTree | undefined;
const largeTree = (): LedgerTree => (large ??= buildLedgerTree(LARGE_SIZE));

function sameHashes(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((hash, i) => Buffer.from(hash).equals(b[i] as Uint8Array));
}

/** A copy of `hashes` with bit `bit` (0..255) of hashes[at] flipped: one tampered byte. */
function withFlippedBit(hashes: readonly Uint8Array[], at: number, bit: number): Uint8Array[] {
  return hashes.map((hash, i) => {
    if (i !== at) return hash;
    const tampered = Uint8Array.from(hash);
    tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
    return tampered;
  });
}

/** Every (index, size) with 0 <= index < size <= maxSize. */
function* leafPositions(maxSize: number): Generator<{ index: number; size: number }> {
  for (let size = 1; size <= maxSize; size++) for (let index = 0; index < size; index++) yield { index, size };
}

/** Every (size1, size2) with 0 < size1 <= size2 <= maxSize. */
function* sizePairs(maxSize: number): Generator<{ size1: number; size2: number }> {
  for (let size2 = 1; size2 <= maxSize; size2++) for (let size1 = 1; size1 <= size2; size1++) yield { size1, size2 };
}

const leafPosition = fc
  .integer({ min: 1, max: LARGE_SIZE })
  .chain((size) => fc.record({ index: fc.integer({ min: 0, max: size - 1 }), size: fc.constant(size) }));

const sizePair = fc
  .integer({ min: 1, max: LARGE_SIZE })
  .chain((size2) => fc.record({ size1: fc.integer({ min: 1, max: size2 }), size2: fc.constant(size2) }));

describe('against the RFC 6962 reference tree, every size up to 300', () => {
  it('CompactRange.root equals MTH after every append', () => {
    // Prepare
    const range = CompactRange.empty();
    const mismatches: number[] = [];

    // Act
    for (let size = 0; size <= SMALL_SIZE; size++) {
      if (size > 0) range.append(small.leafHashes[size - 1] as Uint8Array);
      if (!sameHashes([range.root()], [small.reference.root(size)])) mismatches.push(size);
    }

    // Assess
    expect(mismatches).toEqual([]);
  });

  it('inclusion plans over the stored nodes rebuild PATH for every (index, size)', () => {
    // Prepare
    const mismatches: string[] = [];

    // Act
    for (const { index, size } of leafPositions(SMALL_SIZE)) {
      const proof = small.store.proof(inclusionProofPlan(index, size));
      if (!sameHashes(proof, small.reference.inclusionProof(index, size))) mismatches.push(`${index}/${size}`);
    }

    // Assess
    expect(mismatches).toEqual([]);
  });

  it('verifyInclusion accepts PATH for every (index, size)', () => {
    // Prepare
    const failures: string[] = [];

    // Act
    for (const { index, size } of leafPositions(SMALL_SIZE)) {
      const { reference, leafHashes } = small;
      try {
        verifyInclusion(index, size, leafHashes[index] as Uint8Array, reference.inclusionProof(index, size), reference.root(size));
      } catch (error) {
        failures.push(`${index}/${size}: ${String(error)}`);
      }
    }

    // Assess
    expect(failures).toEqual([]);
  });

  it('consistency plans over the stored nodes rebuild PROOF for every (size1, size2)', () => {
    // Prepare
    const mismatches: string[] = [];

    // Act
    for (const { size1, size2 } of sizePairs(SMALL_SIZE)) {
      const proof = small.store.proof(consistencyProofPlan(size1, size2));
      if (!sameHashes(proof, small.reference.consistencyProof(size1, size2))) mismatches.push(`${size1}->${size2}`);
    }

    // Assess
    expect(mismatches).toEqual([]);
  });

  it('verifyConsistency accepts PROOF for every (size1, size2)', () => {
    // Prepare
    const failures: string[] = [];

    // Act
    for (const { size1, size2 } of sizePairs(SMALL_SIZE)) {
      const { reference } = small;
      try {
        verifyConsistency(size1, size2, reference.consistencyProof(size1, size2), reference.root(size1), reference.root(size2));
      } catch (error) {
        failures.push(`${size1}->${size2}: ${String(error)}`);
      }
    }

    // Assess
    expect(failures).toEqual([]);
  });
});

describe('against the RFC 6962 reference tree, random sizes up to 100,000', () => {
  it('a CompactRange rebuilt from stored right-edge nodes has the MTH root', () => {
    // Prepare
    const { store, reference } = largeTree();

    // Act / Assess
    fc.assert(
      fc.property(fc.integer({ min: 0, max: LARGE_SIZE }), (size) => {
        const range = CompactRange.fromRightEdge(size, rangeNodes(0, size).map((id) => store.get(id)));
        expect(range.root()).toEqual(reference.root(size));
      }),
      { numRuns: RANDOM_RUNS },
    );
  });

  it('inclusion plans over the stored nodes rebuild PATH, and it verifies', () => {
    // Prepare
    const { store, reference, leafHashes } = largeTree();

    // Act / Assess
    fc.assert(
      fc.property(leafPosition, ({ index, size }) => {
        const proof = store.proof(inclusionProofPlan(index, size));
        expect(proof).toEqual(reference.inclusionProof(index, size));
        verifyInclusion(index, size, leafHashes[index] as Uint8Array, proof, reference.root(size));
      }),
      { numRuns: RANDOM_RUNS },
    );
  });

  it('consistency plans over the stored nodes rebuild PROOF, and it verifies', () => {
    // Prepare
    const { store, reference } = largeTree();

    // Act / Assess
    fc.assert(
      fc.property(sizePair, ({ size1, size2 }) => {
        const proof = store.proof(consistencyProofPlan(size1, size2));
        expect(proof).toEqual(reference.consistencyProof(size1, size2));
        verifyConsistency(size1, size2, proof, reference.root(size1), reference.root(size2));
      }),
      { numRuns: RANDOM_RUNS },
    );
  });

  it('an inclusion proof with any one bit flipped is rejected as a root mismatch', () => {
    // Prepare
    const { store, reference, leafHashes } = largeTree();

    // Act / Assess
    fc.assert(
      fc.property(leafPosition.filter(({ size }) => size > 1), fc.nat(), fc.nat(255), ({ index, size }, at, bit) => {
        const proof = store.proof(inclusionProofPlan(index, size));
        const tampered = withFlippedBit(proof, at % proof.length, bit);
        expect(() => verifyInclusion(index, size, leafHashes[index] as Uint8Array, tampered, reference.root(size))).toThrow(RootMismatchError);
      }),
      { numRuns: RANDOM_RUNS },
    );
  });

  it('a consistency proof with any one bit flipped is rejected as a root mismatch', () => {
    // Prepare
    const { store, reference } = largeTree();

    // Act / Assess
    fc.assert(
      fc.property(sizePair.filter(({ size1, size2 }) => size1 < size2), fc.nat(), fc.nat(255), ({ size1, size2 }, at, bit) => {
        const proof = store.proof(consistencyProofPlan(size1, size2));
        const tampered = withFlippedBit(proof, at % proof.length, bit);
        expect(() => verifyConsistency(size1, size2, tampered, reference.root(size1), reference.root(size2))).toThrow(RootMismatchError);
      }),
      { numRuns: RANDOM_RUNS },
    );
  });

  it('a valid consistency proof checked against an old root with one bit flipped is rejected as a root mismatch', () => {
    // Prepare: a new root alone does not prove the history; root1 must be checked too.
    const { store, reference } = largeTree();

    // Act / Assess
    fc.assert(
      fc.property(sizePair, fc.nat(255), ({ size1, size2 }, bit) => {
        const proof = store.proof(consistencyProofPlan(size1, size2));
        const [root1] = withFlippedBit([reference.root(size1)], 0, bit) as [Uint8Array];
        expect(() => verifyConsistency(size1, size2, proof, root1, reference.root(size2))).toThrow(RootMismatchError);
      }),
      { numRuns: RANDOM_RUNS },
    );
  });
});
