import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertObjectKey,
  ObjectExistsError,
  ObjectIntegrityError,
  ObjectNotFoundError,
  SHA256_SIZE,
  type ObjectStore,
} from '../ports/object-store.ts';
import { createFileOnce, isErrnoError } from './durable-file.ts';

/**
 * The local ObjectStore: one file per key under `root`, e.g. `<root>/records/<patientId>/<recordId>/<version>`.
 * Immutability comes from creating each file with a hard link, which never replaces an existing
 * file; key validation (`assertObjectKey`) keeps every path inside `root`.
 * Unlike S3, a key cannot extend another stored key (`a/b` and `a/b/c`): a file is not a directory.
 */
export class FsObjectStore implements ObjectStore {
  readonly #root: string;

  /** Requires `root` to be a directory this process owns (it is created on first write if missing). */
  constructor(options: { root: string }) {
    this.#root = options.root;
  }

  async putObject(input: { key: string; body: Uint8Array; sha256: Uint8Array }): Promise<void> {
    assertObjectKey(input.key);
    assertSha256(input.key, input.body, input.sha256);
    const created = await createFileOnce({
      path: join(this.#root, input.key),
      data: input.body,
      mode: 0o600,
      directoryMode: 0o700,
    });
    if (!created) throw new ObjectExistsError(input.key);
  }

  async getObject(key: string): Promise<Uint8Array> {
    assertObjectKey(key);
    try {
      return new Uint8Array(await readFile(join(this.#root, key)));
    } catch (error) {
      // ENOTDIR: a prefix of the key is an object; EISDIR: the key is a prefix of other keys.
      // Either way no object is stored under this key.
      if (['ENOENT', 'ENOTDIR', 'EISDIR'].some((code) => isErrnoError(error, code))) {
        throw new ObjectNotFoundError(key, { cause: error });
      }
      throw error;
    }
  }
}

/** S3 checks ChecksumSHA256 on upload; this store does the same, so both refuse the same puts. */
function assertSha256(key: string, body: Uint8Array, sha256: Uint8Array): void {
  if (sha256.length !== SHA256_SIZE) {
    throw new RangeError(`sha256 is ${sha256.length} bytes, want ${SHA256_SIZE}`);
  }
  const actual = createHash('sha256').update(body).digest();
  if (!actual.equals(sha256)) {
    throw new ObjectIntegrityError(key, `body hashes to ${actual.toString('hex')}, given ${Buffer.from(sha256).toString('hex')}`);
  }
}
