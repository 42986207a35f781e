import { createHash } from 'node:crypto';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../shared/adapters/s3-object-store.ts';
import { ObjectExistsError, ObjectIntegrityError } from '../../shared/ports/object-store.ts';

// S3 answers that moto does not give: BadDigest and 409 ConditionalRequestConflict.
describe('S3ObjectStore error mapping', () => {
  const body = new TextEncoder().encode('ciphertext');
  const object = { key: 'records/p1/r1/1', body, sha256: createHash('sha256').update(body).digest() };
  const s3Error = (name: string, httpStatusCode: number): S3ServiceException =>
    new S3ServiceException({ name, $fault: 'client', message: name, $metadata: { httpStatusCode } });
  const aStore = (): { store: S3ObjectStore; s3: ReturnType<typeof mockClient> } => {
    const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    return { store: new S3ObjectStore({ s3: client, bucket: 'records', kmsKeyId: 'alias/records' }), s3: mockClient(client) };
  };

  it('reports BadDigest (S3 computed another SHA-256) as ObjectIntegrityError', async () => {
    const { store, s3 } = aStore();
    s3.on(PutObjectCommand).rejects(s3Error('BadDigest', 400));

    const put = store.putObject(object);

    await expect(put).rejects.toThrow(ObjectIntegrityError);
  });

  it('retries a 409 ConditionalRequestConflict and then reports the winner as ObjectExistsError', async () => {
    const { store, s3 } = aStore();
    s3.on(PutObjectCommand)
      .rejectsOnce(s3Error('ConditionalRequestConflict', 409))
      .rejectsOnce(s3Error('PreconditionFailed', 412));

    const put = store.putObject(object);

    await expect(put).rejects.toThrow(ObjectExistsError);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(2);
  });

  it('gives up after 3 conflicts in a row and reports the last one', async () => {
    const { store, s3 } = aStore();
    s3.on(PutObjectCommand).rejects(s3Error('ConditionalRequestConflict', 409));

    const put = store.putObject(object);

    await expect(put).rejects.toThrow('ConditionalRequestConflict');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(3);
  });

  it('sends the conditional, checksummed, KMS-encrypted put', async () => {
    const { store, s3 } = aStore();
    s3.on(PutObjectCommand).resolves({});

    await store.putObject(object);

    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'records',
      Key: 'records/p1/r1/1',
      IfNoneMatch: '*',
      ChecksumAlgorithm: 'SHA256',
      ChecksumSHA256: object.sha256.toString('base64'),
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'alias/records',
      BucketKeyEnabled: true,
    });
  });
});
