import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidHashSizeError } from '../../shared/ledger/errors.ts';
import { EMPTY_ROOT, HASH_SIZE, equalHashes, leafHash, nodeHash } from '../../shared/ledger/hashing.ts';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describe('hashing', () => {
  it('EMPTY_ROOT is SHA-256 of the empty string', () => {
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('leafHash of the empty entry is SHA-256(0x00), as in the RFC 6962 test vectors', () => {
    expect(hex(leafHash(new Uint8Array(0)))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });

  it('leafHash is SHA-256(0x00 || entry)', () => {
    // Prepare
    const entry = new TextEncoder().encode('{"v":1}');

    // Act
    const hash = leafHash(entry);

    // Assess
    expect(hex(hash)).toBe(createHash('sha256').update(Uint8Array.of(0)).update(entry).digest('hex'));
  });

  it('nodeHash is SHA-256(0x01 || left || right)', () => {
    // Prepare
    const left = leafHash(Uint8Array.of(1));
    const right = leafHash(Uint8Array.of(2));

    // Act
    const hash = nodeHash(left, right);

    // Assess
    expect(hex(hash)).toBe(createHash('sha256').update(Uint8Array.of(1)).update(left).update(right).digest('hex'));
  });

  it('nodeHash results do not share memory with each other (its input buffer is reused)', () => {
    // Prepare
    const a = leafHash(Uint8Array.of(1));
    const b = leafHash(Uint8Array.of(2));

    // Act
    const first = nodeHash(a, b);
    const firstHex = hex(first);
    nodeHash(b, a);

    // Assess
    expect({ hex: hex(first), length: first.length }).toEqual({ hex: firstHex, length: HASH_SIZE });
  });

  it('hashes are plain Uint8Arrays of 32 bytes', () => {
    // Act
    const hashes = [leafHash(Uint8Array.of(1)), nodeHash(EMPTY_ROOT, EMPTY_ROOT), EMPTY_ROOT];

    // Assess
    expect(hashes.map((hash) => [hash.constructor.name, hash.length])).toEqual([
      ['Uint8Array', 32],
      ['Uint8Array', 32],
      ['Uint8Array', 32],
    ]);
  });

  it('nodeHash rejects a child that is not 32 bytes, since 0x01 || left || right would be ambiguous', () => {
    expect(() => nodeHash(new Uint8Array(31), new Uint8Array(33))).toThrow(InvalidHashSizeError);
  });

  it('equalHashes compares bytes and lengths', () => {
    // Prepare
    const hash = leafHash(Uint8Array.of(1));

    // Act / Assess
    expect([
      equalHashes(hash, hash.slice()),
      equalHashes(hash, leafHash(Uint8Array.of(2))),
      equalHashes(hash, hash.subarray(0, 31)),
    ]).toEqual([true, false, false]);
  });
});
