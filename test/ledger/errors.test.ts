/** The typed errors of the ledger core: what throws them, and what they carry. */
import { describe, expect, it } from 'vitest';
import {
  IndexOutOfRangeError,
  InvalidHashSizeError,
  InvalidTreeSizesError,
  LedgerError,
  LedgerProofError,
  RootMismatchError,
  WrongNodeCountError,
  WrongProofSizeError,
} from '../../shared/ledger/errors.ts';
import { HASH_SIZE, type Hash } from '../../shared/ledger/hashing.ts';
import { consistencyProofPlan, inclusionProofPlan } from '../../shared/ledger/proof.ts';
import {
  rootFromConsistencyProof,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from '../../shared/ledger/verify.ts';
import { buildLedgerTree } from '../support/ledger-tree.ts';

const tree = buildLedgerTree(8);

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to throw');
}

function inclusionProof(index: number, size: number): Hash[] {
  return tree.store.proof(inclusionProofPlan(index, size));
}

function consistencyProof(size1: number, size2: number): Hash[] {
  return tree.store.proof(consistencyProofPlan(size1, size2));
}

function leaf(index: number): Hash {
  return tree.leafHashes[index] as Hash;
}

describe('WrongProofSizeError', () => {
  it('says got and want when an inclusion proof is one hash short', () => {
    // Prepare
    const proof = inclusionProof(2, 8).slice(1);

    // Act
    const error = thrownBy(() => verifyInclusion(2, 8, leaf(2), proof, tree.reference.root(8)));

    // Assess
    expect(error).toBeInstanceOf(WrongProofSizeError);
    expect(error).toMatchObject({ got: 2, want: 3, message: 'wrong proof size 2, want 3' });
  });

  it('says got and want when a consistency proof has an extra hash', () => {
    // Prepare
    const proof = [...consistencyProof(3, 7), leaf(0)];
    const want = proof.length - 1;

    // Act
    const error = thrownBy(() => rootFromConsistencyProof(3, 7, proof, tree.reference.root(3)));

    // Assess
    expect(error).toMatchObject({ name: 'WrongProofSizeError', got: want + 1, want });
  });

  it('rejects a non-empty proof between equal sizes', () => {
    // Act
    const error = thrownBy(() => verifyConsistency(5, 5, [leaf(0)], tree.reference.root(5), tree.reference.root(5)));

    // Assess
    expect(error).toMatchObject({ name: 'WrongProofSizeError', got: 1, want: 0 });
  });
});

describe('RootMismatchError', () => {
  it('carries the computed and the expected root of an inclusion proof', () => {
    // Prepare
    const wrongRoot = tree.reference.root(7);

    // Act
    const error = thrownBy(() => verifyInclusion(2, 8, leaf(2), inclusionProof(2, 8), wrongRoot));

    // Assess
    expect(error).toBeInstanceOf(RootMismatchError);
    expect(error).toMatchObject({ computed: tree.reference.root(8), expected: wrongRoot });
  });

  it('names root1 when a consistency proof does not reproduce the old root', () => {
    // Prepare
    const wrongRoot1 = tree.reference.root(4);

    // Act
    const error = thrownBy(() => rootFromConsistencyProof(3, 8, consistencyProof(3, 8), wrongRoot1));

    // Assess
    expect(error).toMatchObject({ name: 'RootMismatchError', computed: tree.reference.root(3), expected: wrongRoot1 });
    expect((error as Error).message).toMatch(/^computed root1 \S+, want \S+$/);
  });

  it('names root2 when a consistency proof leads to another new root', () => {
    // Prepare
    const wrongRoot2 = tree.reference.root(7);

    // Act
    const error = thrownBy(() => verifyConsistency(3, 8, consistencyProof(3, 8), tree.reference.root(3), wrongRoot2));

    // Assess
    expect(error).toMatchObject({ name: 'RootMismatchError', computed: tree.reference.root(8), expected: wrongRoot2 });
    expect((error as Error).message).toContain('computed root2');
  });

  it('rejects different roots between equal sizes', () => {
    // Act
    const error = thrownBy(() => verifyConsistency(5, 5, [], tree.reference.root(5), tree.reference.root(6)));

    // Assess
    expect(error).toBeInstanceOf(RootMismatchError);
  });
});

describe('IndexOutOfRangeError', () => {
  it.each([
    { index: 8, size: 8 },
    { index: 9, size: 8 },
    { index: -1, size: 8 },
    { index: 0, size: 0 },
    { index: 1.5, size: 8 },
    { index: 2 ** 64, size: 8 },
    { index: 0, size: Number.NaN },
  ])('is thrown by verifyInclusion for index $index in size $size', ({ index, size }) => {
    // Act
    const error = thrownBy(() => verifyInclusion(index, size, leaf(0), [], tree.reference.root(8)));

    // Assess
    expect(error).toBeInstanceOf(IndexOutOfRangeError);
    expect(error).toMatchObject({ index, size });
  });

  it('is thrown by inclusionProofPlan, with a message naming both numbers', () => {
    // Act
    const error = thrownBy(() => inclusionProofPlan(8, 8));

    // Assess
    expect(error).toMatchObject({ name: 'IndexOutOfRangeError', message: 'index 8 out of range for tree size 8' });
  });
});

describe('InvalidTreeSizesError', () => {
  it.each([
    { size1: 5, size2: 4, why: 'size1 > size2' },
    { size1: 0, size2: 4, why: 'size1 = 0' },
    { size1: 0, size2: 0, why: 'both 0' },
    { size1: -1, size2: 4, why: 'negative size1' },
    { size1: 1, size2: 2.5, why: 'fractional size2' },
  ])('is thrown by verifyConsistency for $why', ({ size1, size2 }) => {
    // Act
    const error = thrownBy(() => verifyConsistency(size1, size2, [], tree.reference.root(1), tree.reference.root(1)));

    // Assess
    expect(error).toBeInstanceOf(InvalidTreeSizesError);
    expect(error).toMatchObject({ size1, size2 });
  });

  it.each([
    { size1: 5, size2: 4 },
    { size1: 0, size2: 4 },
  ])('is thrown by consistencyProofPlan for $size1 -> $size2', ({ size1, size2 }) => {
    // Act
    const error = thrownBy(() => consistencyProofPlan(size1, size2));

    // Assess
    expect(error).toMatchObject({
      name: 'InvalidTreeSizesError',
      message: `invalid tree sizes ${size1} and ${size2}, want 0 < size1 <= size2`,
    });
  });
});

describe('InvalidHashSizeError', () => {
  it('names the proof hash that is not 32 bytes', () => {
    // Prepare
    const proof = inclusionProof(2, 8);
    proof[1] = new Uint8Array(31);

    // Act
    const error = thrownBy(() => rootFromInclusionProof(2, 8, leaf(2), proof));

    // Assess
    expect(error).toMatchObject({ name: 'InvalidHashSizeError', subject: 'proof[1]', got: 31, want: HASH_SIZE });
  });

  it('names a leaf hash that is not 32 bytes', () => {
    // Act
    const error = thrownBy(() => rootFromInclusionProof(0, 1, new Uint8Array(0), []));

    // Assess
    expect(error).toBeInstanceOf(InvalidHashSizeError);
    expect(error).toMatchObject({ message: 'leafHash has 0 bytes, want 32' });
  });
});

describe('the error hierarchy', () => {
  it.each([
    new WrongProofSizeError(1, 2),
    new RootMismatchError(new Uint8Array(HASH_SIZE), new Uint8Array(HASH_SIZE)),
    new IndexOutOfRangeError(1, 1),
    new InvalidTreeSizesError(0, 1),
    new InvalidHashSizeError('proof[0]', 1, HASH_SIZE),
  ])('$name is a LedgerProofError that names itself', (error) => {
    // Assess
    expect(error).toBeInstanceOf(LedgerProofError);
    expect(error.name).toBe(error.constructor.name);
  });

  it('WrongNodeCountError is a storage fault, not a proof failure', () => {
    // Act
    const error = thrownBy(() => inclusionProofPlan(2, 8).rehash([]));

    // Assess
    expect(error).toBeInstanceOf(WrongNodeCountError);
    expect(error).toBeInstanceOf(LedgerError);
    expect(error).not.toBeInstanceOf(LedgerProofError);
    expect(error).toMatchObject({ got: 0, want: 3, message: 'got 0 node hashes, want 3' });
  });
});
