import type { Hash } from './hashing.ts';

/** Base of every error the ledger core throws, so callers can tell ledger faults from bugs elsewhere. */
export class LedgerError extends Error {
  override name = 'LedgerError';
}

/**
 * A proof, or a hash or tree size given with it, cannot be accepted. Verifiers catch this one class:
 * whatever the subclass, the claim the proof makes is not established.
 */
export class LedgerProofError extends LedgerError {
  override name = 'LedgerProofError';
}

/** The proof has the wrong number of hashes for the tree sizes it claims to be about. */
export class WrongProofSizeError extends LedgerProofError {
  override name = 'WrongProofSizeError';
  readonly got: number;
  readonly want: number;

  constructor(got: number, want: number) {
    super(`wrong proof size ${got}, want ${want}`);
    this.got = got;
    this.want = want;
  }
}

/** The root computed from a proof differs from the root it was checked against. */
export class RootMismatchError extends LedgerProofError {
  override name = 'RootMismatchError';
  readonly computed: Hash;
  readonly expected: Hash;

  /** `subject` names the root in the message ("root", "root1", "root2"). */
  constructor(computed: Hash, expected: Hash, subject = 'root') {
    super(`computed ${subject} ${toBase64(computed)}, want ${toBase64(expected)}`);
    this.computed = computed;
    this.expected = expected;
  }
}

/** The leaf index is not in [0, size), or either number is not a non-negative safe integer. */
export class IndexOutOfRangeError extends LedgerProofError {
  override name = 'IndexOutOfRangeError';
  readonly index: number;
  readonly size: number;

  constructor(index: number, size: number) {
    super(`index ${index} out of range for tree size ${size}`);
    this.index = index;
    this.size = size;
  }
}

/** A consistency proof needs 0 < size1 <= size2, both safe integers; a proof from the empty tree proves nothing. */
export class InvalidTreeSizesError extends LedgerProofError {
  override name = 'InvalidTreeSizesError';
  readonly size1: number;
  readonly size2: number;

  constructor(size1: number, size2: number) {
    super(`invalid tree sizes ${size1} and ${size2}, want 0 < size1 <= size2`);
    this.size1 = size1;
    this.size2 = size2;
  }
}

/** A hash is not HASH_SIZE bytes long. `subject` says which one ("proof[3]", "leafHash"). */
export class InvalidHashSizeError extends LedgerProofError {
  override name = 'InvalidHashSizeError';
  readonly subject: string;
  readonly got: number;
  readonly want: number;

  constructor(subject: string, got: number, want: number) {
    super(`${subject} has ${got} bytes, want ${want}`);
    this.subject = subject;
    this.got = got;
    this.want = want;
  }
}

/**
 * The hashes handed to ProofPlan.rehash do not match the plan's node ids one for one: the caller
 * fetched the wrong nodes. This is a fault of the storage layer, not of a proof, hence not a LedgerProofError.
 */
export class WrongNodeCountError extends LedgerError {
  override name = 'WrongNodeCountError';
  readonly got: number;
  readonly want: number;

  constructor(got: number, want: number) {
    super(`got ${got} node hashes, want ${want}`);
    this.got = got;
    this.want = want;
  }
}

/** CompactRange.fromRightEdge got a size that is not a tree size, or not one hash per set bit of it. */
export class InvalidRightEdgeError extends LedgerError {
  override name = 'InvalidRightEdgeError';
  readonly size: number;
  readonly got: number;
  readonly want: number | undefined;

  /** `want` is undefined when `size` itself is invalid, so no hash count could be right. */
  constructor(size: number, got: number, want: number | undefined) {
    super(
      want === undefined
        ? `invalid tree size ${size}, want a non-negative safe integer`
        : `right edge of tree size ${size} has ${got} hashes, want ${want}`,
    );
    this.size = size;
    this.got = got;
    this.want = want;
  }
}

function toBase64(hash: Hash): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('base64');
}
