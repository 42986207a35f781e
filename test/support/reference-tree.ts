/**
 * A naive Merkle tree written straight from RFC 6962 §2.1 (MTH, PATH, PROOF/SUBPROOF), used only
 * to cross-check the fast code in shared/ledger. It hashes with node:crypto itself and imports
 * nothing from the ledger, so a bug there cannot hide by being repeated here.
 *
 * The recursion is the RFC's, over the whole entry list; the only addition is that MTH is
 * memoized by leaf range, which changes no result but makes exhaustive cross-checks affordable.
 */
import { createHash } from 'node:crypto';

export class ReferenceTree {
  readonly #entries: readonly Uint8Array[];
  readonly #memo = new Map<string, Uint8Array>();

  constructor(entries: readonly Uint8Array[]) {
    this.#entries = entries;
  }

  /** MTH(D[0:size]). */
  root(size: number): Uint8Array {
    return this.#mth(0, size);
  }

  /** MTH(D[begin:end]): the hash of any subtree, e.g. a stored node. */
  hash(begin: number, end: number): Uint8Array {
    return this.#mth(begin, end);
  }

  /** PATH(m, D[0:size]): the inclusion proof of leaf m. */
  inclusionProof(m: number, size: number): Uint8Array[] {
    return this.#path(m, 0, size);
  }

  /** PROOF(m, D[0:size]): the consistency proof between sizes m and size. */
  consistencyProof(m: number, size: number): Uint8Array[] {
    return this.#subproof(m, 0, size, true);
  }

  // MTH({}) = SHA-256(); MTH({d(0)}) = SHA-256(0x00 || d(0));
  // MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of two < n.
  #mth(begin: number, end: number): Uint8Array {
    const key = `${begin}:${end}`;
    const known = this.#memo.get(key);
    if (known) return known;
    const n = end - begin;
    let result: Uint8Array;
    if (n === 0) {
      result = sha256();
    } else if (n === 1) {
      result = sha256(Uint8Array.of(0x00), this.#entry(begin));
    } else {
      const k = largestPowerOfTwoBelow(n);
      result = sha256(Uint8Array.of(0x01), this.#mth(begin, begin + k), this.#mth(begin + k, end));
    }
    this.#memo.set(key, result);
    return result;
  }

  // PATH(m, {d(0)}) = {};
  // PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) for m < k, and PATH(m - k, D[k:n]) : MTH(D[0:k]) for m >= k.
  #path(m: number, begin: number, end: number): Uint8Array[] {
    const n = end - begin;
    if (n === 1) return [];
    const k = largestPowerOfTwoBelow(n);
    if (m < k) return [...this.#path(m, begin, begin + k), this.#mth(begin + k, end)];
    return [...this.#path(m - k, begin + k, end), this.#mth(begin, begin + k)];
  }

  // SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) = {MTH(D[m])};
  // for m <= k: SUBPROOF(m, D[0:k], b) : MTH(D[k:n]); for m > k: SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]).
  #subproof(m: number, begin: number, end: number, b: boolean): Uint8Array[] {
    const n = end - begin;
    if (m === n) return b ? [] : [this.#mth(begin, end)];
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) return [...this.#subproof(m, begin, begin + k, b), this.#mth(begin + k, end)];
    return [...this.#subproof(m - k, begin + k, end, false), this.#mth(begin, begin + k)];
  }

  #entry(index: number): Uint8Array {
    const entry = this.#entries[index];
    if (!entry) throw new RangeError(`the reference tree has no entry ${index}`);
    return entry;
  }
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}
