import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../shared/adapters/s3-object-store.ts';
import { ObjectIntegrityError } from '../../shared/ports/object-store.ts';
import { testAwsEndpoint } from '../support/services.ts';
import { describeObjectStoreContract } from './contracts/object-store-contract.ts';
import { motoKms, motoS3 } from './moto-clients.ts';

const endpoint = testAwsEndpoint();

// What moto 5 can and cannot prove here:
// - it honours If-None-Match: * on PutObject (412 PreconditionFailed), so overwrite refusal is real;
// - it stores the ChecksumSHA256 we send and returns it, but never recomputes it, so "S3 refuses
//   a wrong SHA-256" (BadDigest) is shown only with a mocked client in s3-object-store.test.ts;
// - it records the SSE-KMS headers but encrypts nothing.
describe.skipIf(!endpoint)('S3ObjectStore against moto_server', () => {
  const s3 = motoS3(endpoint ?? '');
  const bucket = `chartproof-records-${randomUUID()}`;
  let kmsKeyId = '';

  beforeAll(async () => {
    const { KeyMetadata } = await motoKms(endpoint ?? '').send(new CreateKeyCommand({}));
    kmsKeyId = KeyMetadata?.Arn ?? '';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  const aStore = (): S3ObjectStore => new S3ObjectStore({ s3, bucket, kmsKeyId });
  const anObject = (): { key: string; body: Uint8Array; sha256: Uint8Array } => {
    const body = new Uint8Array(randomBytes(512));
    return { key: `records/${randomUUID()}/${randomUUID()}/1`, body, sha256: createHash('sha256').update(body).digest() };
  };

  describeObjectStoreContract('S3ObjectStore', async () => aStore(), { verifiesSha256OnPut: false });

  it('stores exactly the given bytes, as a plain GetObject reads them', async () => {
    const object = anObject();
    await aStore().putObject(object);

    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.key }));

    expect(Buffer.from(await response.Body!.transformToByteArray()).equals(object.body)).toBe(true);
  });

  it('sends the SHA-256 as ChecksumSHA256, which S3 stores with the object', async () => {
    const object = anObject();
    await aStore().putObject(object);

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: object.key, ChecksumMode: 'ENABLED' }));

    expect(head.ChecksumSHA256).toBe(Buffer.from(object.sha256).toString('base64'));
  });

  it('asks for SSE-KMS under the records key with a bucket key', async () => {
    const object = anObject();
    await aStore().putObject(object);

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: object.key }));

    expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId, BucketKeyEnabled: true });
  });

  it('reports bytes that differ from the stored SHA-256 as ObjectIntegrityError on read', async () => {
    const object = anObject();
    // moto keeps whatever checksum it is given, which stands in for bytes corrupted after the put.
    const wrongSha256 = createHash('sha256').update('other bytes').digest('base64');
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body, ChecksumAlgorithm: 'SHA256', ChecksumSHA256: wrongSha256 }),
    );

    const read = aStore().getObject(object.key);

    await expect(read).rejects.toThrow(ObjectIntegrityError);
  });
});
