/**
 * Encryption of record versions under the patient's key (ARCHITECTURE.md D2).
 *
 * The ciphertext is self-describing and carries its encryption context
 * `{patientId, recordId, version}` authenticated in its header. `decrypt` checks that context
 * against the one the caller expects (taken from the journal), so a ciphertext moved to another
 * record, version or patient is refused even when the key would open it.
 */
export type RecordContext = {
  readonly patientId: string;
  readonly recordId: string;
  /** Requires an integer >= 1. */
  readonly version: number;
};

export interface RecordCipher {
  /**
   * Encrypts one record version. Requires a 32-byte patientKey and a valid context.
   * Two encryptions of the same input differ (random data key and IV).
   */
  encrypt(input: { plaintext: Uint8Array; patientKey: Uint8Array; context: RecordContext }): Promise<Uint8Array>;

  /**
   * Returns the plaintext of a ciphertext made by `encrypt`.
   * Throws RecordDecryptError when the ciphertext does not open under patientKey (wrong key,
   * flipped bytes, truncated or not a ciphertext at all), and RecordContextMismatchError when it
   * opens but was made for a different context. Both mean "do not serve these bytes".
   */
  decrypt(input: { ciphertext: Uint8Array; patientKey: Uint8Array; context: RecordContext }): Promise<Uint8Array>;
}

/** Base class: the ciphertext must not be served. */
export class RecordCipherError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecordCipherError';
  }
}

/** The ciphertext does not authenticate under the given key. */
export class RecordDecryptError extends RecordCipherError {
  constructor(options?: { cause?: unknown }) {
    super('record ciphertext does not decrypt under the patient key', options);
    this.name = 'RecordDecryptError';
  }
}

/**
 * The ciphertext authenticated, but its encryption context is not the expected one: a field
 * differs, is missing (got undefined) or is unexpected (want undefined).
 */
export class RecordContextMismatchError extends RecordCipherError {
  readonly field: string;
  readonly got: string | undefined;
  readonly want: string | undefined;

  constructor(field: string, got: string | undefined, want: string | undefined) {
    super(`record encryption context ${field} is ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    this.name = 'RecordContextMismatchError';
    this.field = field;
    this.got = got;
    this.want = want;
  }
}
