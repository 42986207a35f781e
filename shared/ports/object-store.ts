/**
 * Immutable object storage for record ciphertexts (ARCHITECTURE.md D2).
 *
 * A key is written once and never replaced: the journal entry that points at a key carries the
 * SHA-256 of the bytes written there, and a later write must not be able to change what that
 * entry points at.
 */
export interface ObjectStore {
  /**
   * Stores `body` under `key`. Durable once it returns.
   * Requires a valid key (see `assertObjectKey`) and `sha256` = SHA-256(body) (32 bytes).
   * Throws InvalidObjectKeyError for a bad key, ObjectIntegrityError when `sha256` does not match
   * the body, and ObjectExistsError when the key already holds an object (even identical bytes:
   * callers decide whether a retry with the same bytes is a success). A failed put may still have
   * landed (e.g. a timeout after the store committed); a retry then gets ObjectExistsError.
   */
  putObject(input: { key: string; body: Uint8Array; sha256: Uint8Array }): Promise<void>;

  /**
   * Returns the bytes stored under `key`.
   * Throws InvalidObjectKeyError for a bad key and ObjectNotFoundError when nothing is stored.
   * May throw ObjectIntegrityError when the store itself sees the bytes differ from the checksum
   * recorded at put time. Callers must still compare the bytes with the SHA-256 in the journal:
   * the store's own checks are not the authority.
   */
  getObject(key: string): Promise<Uint8Array>;
}

export class ObjectExistsError extends Error {
  readonly key: string;

  constructor(key: string, options?: { cause?: unknown }) {
    super(`object ${key} already exists; objects are immutable`, options);
    this.name = 'ObjectExistsError';
    this.key = key;
  }
}

export class ObjectNotFoundError extends Error {
  readonly key: string;

  constructor(key: string, options?: { cause?: unknown }) {
    super(`object ${key} not found`, options);
    this.name = 'ObjectNotFoundError';
    this.key = key;
  }
}

/** The bytes and their SHA-256 disagree, at put time (bad caller) or at get time (corruption). */
export class ObjectIntegrityError extends Error {
  readonly key: string;

  constructor(key: string, detail: string, options?: { cause?: unknown }) {
    super(`object ${key} failed its SHA-256 check: ${detail}`, options);
    this.name = 'ObjectIntegrityError';
    this.key = key;
  }
}

export class InvalidObjectKeyError extends Error {
  readonly key: string;

  constructor(key: string) {
    super(`invalid object key ${JSON.stringify(key)}: want 1 to ${MAX_KEY_SEGMENTS} '/'-separated segments of [A-Za-z0-9._-], each starting with a letter or digit, at most ${MAX_SEGMENT_LENGTH} characters`);
    this.name = 'InvalidObjectKeyError';
    this.key = key;
  }
}

const MAX_KEY_SEGMENTS = 8;
const MAX_SEGMENT_LENGTH = 128;
// Every segment starts with a letter or digit, so "", ".", ".." and hidden temp names cannot
// occur, and no key can climb out of a filesystem root or collide with an adapter's temp files.
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Checks the one key syntax every adapter accepts, e.g. `records/<patientId>/<recordId>/<version>`.
 * Throws InvalidObjectKeyError otherwise.
 */
export function assertObjectKey(key: string): void {
  const segments = key.split('/');
  const valid =
    segments.length <= MAX_KEY_SEGMENTS &&
    segments.every((segment) => segment.length <= MAX_SEGMENT_LENGTH && SEGMENT.test(segment));
  if (!valid) throw new InvalidObjectKeyError(key);
}

/** SHA-256 digest length in bytes. */
export const SHA256_SIZE = 32;
