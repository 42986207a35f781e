/** The 53-bit helpers against BigInt, which has no 32-bit truncation to get wrong. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitLength, popcount, shiftLeft, shiftRight, trailingZeros, xor } from '../../shared/ledger/bits.ts';

const MAX = BigInt(Number.MAX_SAFE_INTEGER);
// Values around 2^32 are where a split into two words goes wrong, so bias towards them.
const treeNumber = fc.oneof(
  fc.bigInt({ min: 0n, max: MAX }),
  fc.bigInt({ min: 2n ** 32n - 64n, max: 2n ** 32n + 64n }),
  fc.integer({ min: 0, max: 52 }).map((bit) => 2n ** BigInt(bit)),
);

function ones(n: bigint): number {
  return n.toString(2).replaceAll('0', '').length;
}

describe('bits', () => {
  it('bitLength is the length of the binary form', () => {
    fc.assert(
      fc.property(treeNumber, (n) => {
        expect(bitLength(Number(n))).toBe(n === 0n ? 0 : n.toString(2).length);
      }),
    );
  });

  it('trailingZeros counts the zeros after the lowest one bit', () => {
    fc.assert(
      fc.property(
        treeNumber.filter((n) => n > 0n),
        (n) => {
          expect(trailingZeros(Number(n))).toBe(n.toString(2).length - n.toString(2).lastIndexOf('1') - 1);
        },
      ),
    );
  });

  it('popcount counts the one bits', () => {
    fc.assert(
      fc.property(treeNumber, (n) => {
        expect(popcount(Number(n))).toBe(ones(n));
      }),
    );
  });

  it('xor matches BigInt xor beyond 32 bits', () => {
    fc.assert(
      fc.property(treeNumber, treeNumber, (a, b) => {
        expect(xor(Number(a), Number(b))).toBe(Number(a ^ b));
      }),
    );
  });

  it('shiftRight and shiftLeft match BigInt shifts', () => {
    fc.assert(
      fc.property(treeNumber, fc.integer({ min: 0, max: 53 }), (n, shift) => {
        const shifted = n >> BigInt(shift);
        expect(shiftRight(Number(n), shift)).toBe(Number(shifted));
        expect(shiftLeft(Number(shifted), shift)).toBe(Number(shifted << BigInt(shift)));
      }),
    );
  });
});
