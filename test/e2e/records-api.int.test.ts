/**
 * Acceptance, AWS mode: the same scenario as records-api.test.ts, with the local server composed
 * over PostgreSQL 15 (a database of its own) and moto_server: S3 for the objects, KMS data keys for
 * the patient keys and a KMS ECDSA P-256 key signing the checkpoints (moto emulates no Ed25519).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import pg from 'pg';
import { vi } from 'vitest';
import { createLogger } from '../../functions/http/observability.ts';
import { startLocalApi } from '../../functions/local/local-api.ts';
import { mintLocalToken, openLocalTokenKeys } from '../../functions/local/tokens.ts';
import { motoKms, motoS3 } from '../adapters/moto-clients.ts';
import { withDatabase } from '../support/journal-databases.ts';
import { testAwsEndpoint, testDatabaseUrl } from '../support/services.ts';
import { describeRecordsScenario, type ScenarioServer } from './support/records-scenario.ts';

const databaseUrl = testDatabaseUrl();
const endpoint = testAwsEndpoint();

async function superuser(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describeRecordsScenario('records API over HTTP, PostgreSQL and moto (S3, KMS)', {
  skip: databaseUrl === undefined || endpoint === undefined,
  async start(): Promise<ScenarioServer> {
    const awsEndpoint = endpoint ?? '';
    const databaseName = `chartproof_e2e_${randomBytes(6).toString('hex')}`;
    await superuser(`CREATE DATABASE ${databaseName}`);
    const dataDir = await mkdtemp(join(tmpdir(), 'chartproof-e2e-aws-'));
    const kms = motoKms(awsEndpoint);
    const s3 = motoS3(awsEndpoint);
    const bucket = `chartproof-e2e-${randomUUID()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const recordsKey = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? '';
    const signingKey = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata?.Arn ?? '';
    // The composition takes credentials from the usual AWS environment; moto accepts any.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');

    const written: string[] = [];
    const capture = (chunk: unknown): boolean => {
      written.push(String(chunk));
      return true;
    };
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    const api = await startLocalApi({
      config: {
        dataDir,
        origin: 'chartproof.test/journal',
        logLevel: 'DEBUG',
        databaseUrl: withDatabase(databaseUrl ?? '', databaseName),
        poolSize: 4,
        aws: { endpoint: awsEndpoint, region: 'us-east-1', recordsBucket: bucket, recordsKmsKeyId: recordsKey, signingKmsKeyId: signingKey },
      },
      port: 0,
      logger: createLogger({ serviceName: 'chartproof-e2e', logLevel: 'DEBUG' }),
    });
    const { privateKey } = await openLocalTokenKeys({ dataDir });
    return {
      baseUrl: api.url,
      token: ({ role, sub, patientId }) => mintLocalToken({ privateKey, role, sub, patientId }),
      async storedObjects() {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
        return Promise.all(
          (listed.Contents ?? []).map(async ({ Key }) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body?.transformToByteArray() ?? new Uint8Array()),
        );
      },
      // KMS holds the master and signing keys, so the only secret the process sees is the token key.
      async secrets() {
        return [privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')];
      },
      logLines: () => written.join('').split('\n').filter((line) => line.trim() !== ''),
      async close() {
        await api.close();
        stdout.mockRestore();
        stderr.mockRestore();
        vi.unstubAllEnvs();
        kms.destroy();
        s3.destroy();
        await rm(dataDir, { recursive: true, force: true });
        await superuser(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
      },
    };
  },
});
