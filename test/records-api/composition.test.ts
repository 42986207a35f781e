/**
 * The composition roots' configuration (the only code that reads the environment) and the Lambda
 * entry point's lazy, retrying build.
 */
import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { ApiDeps } from '../../functions/api-deps.ts';
import { awsConfigFromEnv, ConfigurationError } from '../../functions/aws/compose.ts';
import { lambdaHandler, PUBLISH_WAIT_MS } from '../../functions/aws/lambda-handler.ts';
import { DEFAULT_ORIGIN, localConfigFromEnv } from '../../functions/local/compose.ts';

const context = { awsRequestId: 'request-1' } as Context;
const event = {} as APIGatewayProxyEvent;

describe('localConfigFromEnv', () => {
  it('defaults to the embedded adapters in ./.chartproof', () => {
    const config = localConfigFromEnv({});

    expect(config).toEqual({ dataDir: resolve('.chartproof'), origin: DEFAULT_ORIGIN, logLevel: 'INFO', databaseUrl: undefined, poolSize: undefined });
  });

  it('treats blank variables as unset', () => {
    const config = localConfigFromEnv({ DATABASE_URL: '  ', CHARTPROOF_AWS_ENDPOINT: '' });

    expect([config.databaseUrl, config.aws]).toEqual([undefined, undefined]);
  });

  it('switches S3 and KMS on with an AWS endpoint and its bucket and key', () => {
    const config = localConfigFromEnv({
      CHARTPROOF_AWS_ENDPOINT: 'http://127.0.0.1:5055',
      CHARTPROOF_RECORDS_BUCKET: 'records',
      CHARTPROOF_RECORDS_KMS_KEY_ID: 'alias/records',
    });

    expect(config.aws).toEqual({ endpoint: 'http://127.0.0.1:5055', region: 'us-east-1', recordsBucket: 'records', recordsKmsKeyId: 'alias/records', signingKmsKeyId: undefined });
  });

  it('names every missing variable an AWS endpoint needs', () => {
    const attempt = () => localConfigFromEnv({ CHARTPROOF_AWS_ENDPOINT: 'http://127.0.0.1:5055' });

    expect(attempt).toThrow(/CHARTPROOF_RECORDS_BUCKET.*CHARTPROOF_RECORDS_KMS_KEY_ID/);
  });

  it.each([
    ['DATABASE_URL', 'mysql://somewhere'],
    ['CHARTPROOF_LOG_ORIGIN', 'has spaces'],
    ['CHARTPROOF_LOG_LEVEL', 'LOUD'],
    ['CHARTPROOF_DATABASE_POOL_SIZE', '0'],
  ])('refuses an invalid %s', (name, value) => {
    const attempt = () => localConfigFromEnv({ [name]: value });

    expect(attempt).toThrow(name);
  });
});

describe('awsConfigFromEnv', () => {
  it('names the missing variables and never echoes a value', () => {
    const secret = 'postgres-password-in-a-bad-url';

    const error = (() => {
      try {
        awsConfigFromEnv({ DATABASE_URL: secret, AWS_REGION: 'eu-west-1' });
      } catch (thrown) {
        return thrown;
      }
    })();

    expect([error instanceof ConfigurationError, (error as Error).message.includes(secret), (error as Error).message]).toEqual([
      true,
      false,
      expect.stringMatching(/DATABASE_URL.*CHARTPROOF_RECORDS_BUCKET.*CHARTPROOF_RECORDS_KMS_KEY_ID.*CHARTPROOF_SIGNING_KMS_KEY_ID.*CHARTPROOF_LOG_ORIGIN/),
    ]);
  });
});

/** Deps whose events are always published: all the lambdaHandler tests need of a composition. */
const settledDeps = { events: { idle: async () => undefined } } as unknown as ApiDeps;

describe('lambdaHandler', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers an opaque 500 problem while the composition fails, and tries again on the next invocation', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let attempts = 0;
    const handler = lambdaHandler(
      () => async () => ({ statusCode: 200, body: 'ok' }),
      async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('connection to postgres://user:secret@host failed');
        return settledDeps;
      },
    );

    const first = await handler(event, context);
    const second = await handler(event, context);

    expect([first.statusCode, first.body.includes('secret'), second.statusCode, attempts]).toEqual([500, false, 200, 2]);
  });

  it('builds the composition once and shares it', async () => {
    let compositions = 0;
    const handler = lambdaHandler(
      () => async () => ({ statusCode: 200, body: 'ok' }),
      async () => {
        compositions += 1;
        return settledDeps;
      },
    );

    await Promise.all([handler(event, context), handler(event, context), handler(event, context)]);

    expect(compositions).toBe(1);
  });

  it("waits for the request's events to be published before the invocation returns", async () => {
    let published = false;
    const deps = { events: { idle: () => new Promise<void>((resolve) => setImmediate(() => resolve(void (published = true)))) } } as unknown as ApiDeps;
    const handler = lambdaHandler(() => async () => ({ statusCode: 201, body: 'created' }), async () => deps);

    const response = await handler(event, context);

    expect([response.statusCode, published]).toEqual([201, true]);
  });

  it('returns the response after PUBLISH_WAIT_MS when publication hangs (the relay takes over)', async () => {
    vi.useFakeTimers();
    try {
      const deps = { events: { idle: () => new Promise<void>(() => undefined) } } as unknown as ApiDeps;
      const handler = lambdaHandler(() => async () => ({ statusCode: 200, body: 'ok' }), async () => deps);
      let settled = false;
      const invocation = handler(event, context).then((response) => {
        settled = true;
        return response;
      });
      await vi.advanceTimersByTimeAsync(PUBLISH_WAIT_MS - 1);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect((await invocation).statusCode).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not compose when a handler module is imported', async () => {
    const module = await import('../../functions/handlers/create-record.ts');

    expect(typeof module.handler).toBe('function');
  });
});
