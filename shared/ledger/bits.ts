/**
 * Bit arithmetic on tree sizes and indices.
 *
 * JavaScript's bitwise operators truncate to 32 bits, but a journal may outgrow 2^32 entries, so
 * these helpers work on any non-negative safe integer (< 2^53) by splitting it into a high and a
 * low 32-bit word. Division by a power of two is exact in IEEE 754, so shifts are divisions.
 */

const WORD = 2 ** 32;

/** Whether `n` can be a tree size or an index: a non-negative safe integer. */
export function isTreeNumber(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** The number of bits needed to write `n`: 0 for 0, 1 for 1, 3 for 4..7. Requires n to be a tree number. */
export function bitLength(n: number): number {
  if (n < WORD) return 32 - Math.clz32(n);
  return 64 - Math.clz32(Math.floor(n / WORD));
}

/** The number of trailing zero bits of `n`. Requires n > 0 to be a tree number. */
export function trailingZeros(n: number): number {
  const low = n % WORD;
  if (low !== 0) return trailingZeros32(low);
  return 32 + trailingZeros32(Math.floor(n / WORD));
}

/** The number of one bits of `n`. Requires n to be a tree number. */
export function popcount(n: number): number {
  return popcount32(n % WORD) + popcount32(Math.floor(n / WORD));
}

/** `a ^ b` without truncation to 32 bits. Requires a and b to be tree numbers. */
export function xor(a: number, b: number): number {
  const high = (Math.floor(a / WORD) ^ Math.floor(b / WORD)) >>> 0;
  const low = ((a % WORD) ^ (b % WORD)) >>> 0;
  return high * WORD + low;
}

/** `n >> shift` without truncation to 32 bits. Requires n to be a tree number. */
export function shiftRight(n: number, shift: number): number {
  return Math.floor(n / 2 ** shift);
}

/** `n << shift` without truncation to 32 bits. Requires the result to be a safe integer. */
export function shiftLeft(n: number, shift: number): number {
  return n * 2 ** shift;
}

function trailingZeros32(word: number): number {
  // `word & -word` isolates the lowest set bit; its position is 31 minus its leading zeros.
  return 31 - Math.clz32(word & -word);
}

function popcount32(word: number): number {
  let count = 0;
  for (let rest = word >>> 0; rest !== 0; rest = (rest & (rest - 1)) >>> 0) count++;
  return count;
}
