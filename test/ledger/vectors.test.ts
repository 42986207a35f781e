/**
 * The RFC 6962 probe files from transparency-dev/merkle (ARCHITECTURE.md D1: the code must pass
 * every one). One test per file, found by walking the folder, so a new file is a new test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CompactRange } from '../../shared/ledger/compact-range.ts';
import { LedgerProofError } from '../../shared/ledger/errors.ts';
import { leafHash, type Hash } from '../../shared/ledger/hashing.ts';
import { consistencyProofPlan, inclusionProofPlan } from '../../shared/ledger/proof.ts';
import {
  rootFromConsistencyProof,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from '../../shared/ledger/verify.ts';
import { NodeStore } from '../support/ledger-tree.ts';

// The vectors live beside the repository, in /work/shared/vectors (test/ledger -> repo -> its parent).
const vectorsRoot = new URL('../../../shared/vectors/rfc6962/', import.meta.url);

type InclusionVector = {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
};

type ConsistencyVector = {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
};

function vectorFiles(kind: 'inclusion' | 'consistency'): string[] {
  const folder = fileURLToPath(new URL(`${kind}/`, vectorsRoot));
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => `${kind}/${name}`);
}

function readVector<T>(file: string): T {
  return JSON.parse(readFileSync(fileURLToPath(new URL(file, vectorsRoot)), 'utf8')) as T;
}

function decode(base64: string): Hash {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

function decodeProof(proof: string[] | null): Hash[] {
  return (proof ?? []).map(decode);
}

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

const inclusionCases = vectorFiles('inclusion').map((file) => ({ file, vector: readVector<InclusionVector>(file) }));
const consistencyCases = vectorFiles('consistency').map((file) => ({ file, vector: readVector<ConsistencyVector>(file) }));

describe('RFC 6962 vectors', () => {
  it('are found on disk, so a wrong path cannot pass as "no cases"', () => {
    expect(inclusionCases.length).toBeGreaterThan(50);
    expect(consistencyCases.length).toBeGreaterThan(50);
  });

  describe('inclusion', () => {
    const valid = inclusionCases.filter(({ vector }) => !vector.wantErr);
    const invalid = inclusionCases.filter(({ vector }) => vector.wantErr);

    it.each(valid)('verifies $file', ({ vector }) => {
      // Prepare
      const leafHash = decode(vector.leafHash);
      const proof = decodeProof(vector.proof);
      const root = decode(vector.root);

      // Act
      const computed = rootFromInclusionProof(vector.leafIdx, vector.treeSize, leafHash, proof);

      // Assess
      expect(computed).toEqual(root);
      expect(() => verifyInclusion(vector.leafIdx, vector.treeSize, leafHash, proof, root)).not.toThrow();
    });

    it.each(invalid)('rejects $file', ({ vector }) => {
      // Prepare
      const leafHash = decode(vector.leafHash);
      const proof = decodeProof(vector.proof);
      const root = decode(vector.root);

      // Act
      const error = thrownBy(() => verifyInclusion(vector.leafIdx, vector.treeSize, leafHash, proof, root));

      // Assess: a LedgerProofError, and a subclass of it, since every failure names its cause.
      expect(error).toBeInstanceOf(LedgerProofError);
      expect((error as object).constructor).not.toBe(LedgerProofError);
    });
  });

  describe('consistency', () => {
    const valid = consistencyCases.filter(({ vector }) => !vector.wantErr);
    const invalid = consistencyCases.filter(({ vector }) => vector.wantErr);

    it.each(valid)('verifies $file', ({ vector }) => {
      // Prepare
      const proof = decodeProof(vector.proof);
      const root1 = decode(vector.root1);
      const root2 = decode(vector.root2);

      // Act
      const computed = rootFromConsistencyProof(vector.size1, vector.size2, proof, root1);

      // Assess
      expect(computed).toEqual(root2);
      expect(() => verifyConsistency(vector.size1, vector.size2, proof, root1, root2)).not.toThrow();
    });

    it.each(invalid)('rejects $file', ({ vector }) => {
      // Prepare
      const proof = decodeProof(vector.proof);
      const root1 = decode(vector.root1);
      const root2 = decode(vector.root2);

      // Act
      const error = thrownBy(() => verifyConsistency(vector.size1, vector.size2, proof, root1, root2));

      // Assess: a LedgerProofError, and a subclass of it, since every failure names its cause.
      expect(error).toBeInstanceOf(LedgerProofError);
      expect((error as object).constructor).not.toBe(LedgerProofError);
    });
  });

  describe('rebuilt by the proof plans over the RFC 6962 test tree', () => {
    // The eight leaves every happy-path vector is drawn over (RFC 6962 reference implementation tests).
    const testLeaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
    const store = new NodeStore();
    const range = CompactRange.empty();
    testLeaves.forEach((leaf) => range.append(leafHash(Buffer.from(leaf, 'hex')), (id, hash) => store.put(id, hash)));

    it.each(inclusionCases.filter(({ vector }) => !vector.wantErr))('inclusion $file', ({ vector }) => {
      // Act
      const proof = store.proof(inclusionProofPlan(vector.leafIdx, vector.treeSize));

      // Assess
      expect(proof).toEqual(decodeProof(vector.proof));
    });

    it.each(consistencyCases.filter(({ vector }) => !vector.wantErr))('consistency $file', ({ vector }) => {
      // Act
      const proof = store.proof(consistencyProofPlan(vector.size1, vector.size2));

      // Assess
      expect(proof).toEqual(decodeProof(vector.proof));
    });
  });
});
