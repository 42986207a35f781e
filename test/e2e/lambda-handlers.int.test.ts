/**
 * The Lambda entry points over the AWS composition root (functions/aws/compose.ts), configured from
 * the environment as the CDK stack configures it, against PostgreSQL 15 and moto_server (S3, KMS
 * data keys, a KMS P-256 checkpoint key): API Gateway events in, API Gateway results out.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openPostgresRecordsDatabase } from '../../shared/adapters/postgres/records-database.ts';
import { motoKms, motoS3 } from '../adapters/moto-clients.ts';
import { motoEventBridge, motoSqs } from '../events/moto-event-clients.ts';
import { withDatabase } from '../support/journal-databases.ts';
import { testAwsEndpoint, testDatabaseUrl } from '../support/services.ts';
import { testSigner } from '../ledger/test-signer.ts';

const databaseUrl = testDatabaseUrl();
const endpoint = testAwsEndpoint();

function apiEvent(options: { method: string; resource: string; path: string; pathParameters?: Record<string, string>; claims?: Record<string, string>; body?: unknown }): APIGatewayProxyEvent {
  return {
    resource: options.resource,
    path: options.path,
    httpMethod: options.method,
    headers: options.body === undefined ? {} : { 'Content-Type': 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: {
      requestId: randomUUID(),
      ...(options.claims === undefined ? {} : { authorizer: { claims: options.claims } }),
    } as APIGatewayProxyEvent['requestContext'],
  };
}

const context = (name: string) => ({ awsRequestId: randomUUID(), functionName: name, getRemainingTimeInMillis: () => 29_000 }) as Context;

describe.skipIf(databaseUrl === undefined || endpoint === undefined)('Lambda handlers over the AWS composition', () => {
  const databaseName = `chartproof_lambda_${randomBytes(6).toString('hex')}`;
  const busName = `chartproof-lambda-${randomBytes(6).toString('hex')}`;
  let queueUrl = '';
  const superuser = async (sql: string) => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    await superuser(`CREATE DATABASE ${databaseName}`);
    const url = withDatabase(databaseUrl ?? '', databaseName);
    // Migrations run on deploy, not in the functions: do it here as the deploy step would.
    const migrated = await openPostgresRecordsDatabase({ url, migrate: true, runtimeRole: undefined, signer: testSigner() });
    await migrated.close();
    const kms = motoKms(endpoint ?? '');
    const s3 = motoS3(endpoint ?? '');
    const bucket = `chartproof-lambda-${randomUUID()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const recordsKey = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? '';
    const signingKey = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata?.Arn ?? '';
    // The bus, with a rule sending every Chartproof event to a queue the test reads.
    const eventBridge = motoEventBridge(endpoint ?? '');
    const sqs = motoSqs(endpoint ?? '');
    await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: busName }))).QueueUrl ?? '';
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
    await eventBridge.send(new PutRuleCommand({ Name: 'all-chartproof', EventBusName: busName, EventPattern: JSON.stringify({ source: ['chartproof'] }) }));
    await eventBridge.send(new PutTargetsCommand({ Rule: 'all-chartproof', EventBusName: busName, Targets: [{ Id: 'queue', Arn: queueArn }] }));
    eventBridge.destroy();
    // The Lambda runtime's environment; the SDK reaches moto through the standard endpoint variable.
    const env: Record<string, string> = {
      DATABASE_URL: `${url}${url.includes('?') ? '&' : '?'}options=-c%20role%3Dchartproof_runtime`,
      CHARTPROOF_RECORDS_BUCKET: bucket,
      CHARTPROOF_RECORDS_KMS_KEY_ID: recordsKey,
      CHARTPROOF_SIGNING_KMS_KEY_ID: signingKey,
      CHARTPROOF_LOG_ORIGIN: 'chartproof.test/journal',
      CHARTPROOF_EVENT_BUS_NAME: busName,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL: endpoint ?? '',
      AWS_S3_FORCE_PATH_STYLE: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    };
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    kms.destroy();
    s3.destroy();
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await superuser(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  });

  it('registers a patient and stores a record through the exported handlers', async () => {
    const { handler: registerPatient } = await import('../../functions/handlers/register-patient.ts');
    const { handler: createRecord } = await import('../../functions/handlers/create-record.ts');

    const registered = await registerPatient(
      apiEvent({ method: 'POST', resource: '/v1/patients', path: '/v1/patients', claims: { sub: 'admin-1', 'cognito:groups': 'admin' }, body: {} }),
      context('register-patient'),
    );
    const { patientId } = JSON.parse(registered.body) as { patientId: string };
    const created = await createRecord(
      apiEvent({
        method: 'POST',
        resource: '/v1/patients/{patientId}/records',
        path: `/v1/patients/${patientId}/records`,
        pathParameters: { patientId },
        claims: { sub: 'practitioner-1', 'cognito:groups': 'practitioner' },
        body: { resource: { resourceType: 'Observation', status: 'final', code: { text: 'Heart rate' } } },
      }),
      context('create-record'),
    );

    expect([registered.statusCode, created.statusCode, JSON.parse(created.body)]).toEqual([201, 201, expect.objectContaining({ version: 1, entry: expect.any(Object) })]);
  });

  it('published each write\'s domain event to the bus before the invocation returned', async () => {
    const sqs = motoSqs(endpoint ?? '');
    // A receive may return fewer messages than the queue holds.
    const messages: Message[] = [];
    for (let attempt = 0; attempt < 10 && messages.length < 2; attempt++) {
      messages.push(...((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))).Messages ?? []));
    }
    sqs.destroy();
    const events = messages.map((message) => JSON.parse(message.Body ?? '{}') as { source: string; 'detail-type': string; detail: { type: string; receipt: { index: number } } });
    expect(events.map((event) => [event.source, event['detail-type'], event.detail.type, event.detail.receipt.index]).sort()).toEqual([
      ['chartproof', 'patient.registered', 'patient.registered', 0],
      ['chartproof', 'record.created', 'record.created', 1],
    ]);
  });

  it('serves a checkpoint signed by the KMS key', async () => {
    const { handler: getCheckpoint } = await import('../../functions/handlers/get-checkpoint.ts');
    const { handler: getKey } = await import('../../functions/handlers/get-verifier-key.ts');

    const checkpoint = await getCheckpoint(apiEvent({ method: 'GET', resource: '/v1/ledger/checkpoint', path: '/v1/ledger/checkpoint' }), context('get-checkpoint'));
    const key = await getKey(apiEvent({ method: 'GET', resource: '/v1/ledger/key', path: '/v1/ledger/key' }), context('get-verifier-key'));

    expect([checkpoint.statusCode, checkpoint.body.startsWith('chartproof.test/journal\n'), key.body.startsWith('chartproof.test/journal+')]).toEqual([200, true, true]);
  });
});
