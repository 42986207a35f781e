import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3ServiceException,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  assertObjectKey,
  ObjectExistsError,
  ObjectIntegrityError,
  ObjectNotFoundError,
  SHA256_SIZE,
  type ObjectStore,
} from '../ports/object-store.ts';

/**
 * The AWS ObjectStore: the records bucket (versioned, Object Lock, SSE-KMS; see infra/).
 *
 * Immutability has two layers. Each put is conditional (`If-None-Match: *`), so S3 itself
 * refuses to write a key that already has a current object; and Object Lock keeps every version
 * that was ever written, so even a writer that skips the condition cannot destroy the bytes a
 * journal entry points at.
 */
export class S3ObjectStore implements ObjectStore {
  readonly #s3: S3Client;
  readonly #bucket: string;
  readonly #kmsKeyId: string;

  /** `kmsKeyId`: the records KMS key; every object is encrypted under it even if the bucket default changes. */
  constructor(options: { s3: S3Client; bucket: string; kmsKeyId: string }) {
    this.#s3 = options.s3;
    this.#bucket = options.bucket;
    this.#kmsKeyId = options.kmsKeyId;
  }

  async putObject(input: { key: string; body: Uint8Array; sha256: Uint8Array }): Promise<void> {
    assertObjectKey(input.key);
    if (input.sha256.length !== SHA256_SIZE) {
      throw new RangeError(`sha256 is ${input.sha256.length} bytes, want ${SHA256_SIZE}`);
    }
    const request: PutObjectCommandInput = {
      Bucket: this.#bucket,
      Key: input.key,
      Body: input.body,
      // S3 recomputes the SHA-256 and refuses the upload (BadDigest) if the bytes differ, and
      // stores it with the object. ChecksumAlgorithm also tells the SDK not to add a CRC of its own.
      ChecksumAlgorithm: 'SHA256',
      ChecksumSHA256: Buffer.from(input.sha256).toString('base64'),
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: this.#kmsKeyId,
      BucketKeyEnabled: true,
      IfNoneMatch: '*',
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#s3.send(new PutObjectCommand(request));
        return;
      } catch (error) {
        const code = errorCode(error);
        if (code === 'PreconditionFailed') throw new ObjectExistsError(input.key, { cause: error });
        if (code === 'BadDigest') throw new ObjectIntegrityError(input.key, 'S3 computed a different SHA-256 than the one given', { cause: error });
        // 409: a concurrent conditional write to the same key was in flight. S3 asks for a retry,
        // which then either succeeds or meets the winner's object as PreconditionFailed.
        if (code === 'ConditionalRequestConflict' && attempt < CONFLICT_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  async getObject(key: string): Promise<Uint8Array> {
    assertObjectKey(key);
    try {
      const response = await this.#s3.send(
        // With checksum mode on, the SDK compares the bytes with the SHA-256 stored at put time.
        new GetObjectCommand({ Bucket: this.#bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
      if (!response.Body) throw new Error(`S3 GetObject returned no body for ${key}`);
      return await response.Body.transformToByteArray();
    } catch (error) {
      if (error instanceof NoSuchKey || errorCode(error) === 'NoSuchKey') throw new ObjectNotFoundError(key, { cause: error });
      if (isChecksumMismatch(error)) throw new ObjectIntegrityError(key, 'the bytes read differ from the SHA-256 S3 stored', { cause: error });
      throw error;
    }
  }
}

const CONFLICT_ATTEMPTS = 3;

function errorCode(error: unknown): string | undefined {
  return error instanceof S3ServiceException ? error.name : undefined;
}

/**
 * The SDK's flexible-checksums middleware reports a mismatch as a plain Error with this message
 * (@aws-sdk/checksums); test/adapters/s3-object-store.int.test.ts pins that behaviour.
 */
function isChecksumMismatch(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('Checksum mismatch');
}
