/**
 * Helpers for the HTTP layer's tests: API Gateway REST proxy events, a Lambda context, and a
 * Powertools logger whose output is captured instead of printed.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { vi } from 'vitest';
import type { Observability } from '../../functions/http/observability.ts';
import { createLogger } from '../../functions/http/observability.ts';

export type EventOverrides = Partial<Omit<APIGatewayProxyEvent, 'requestContext'>> & {
  claims?: Record<string, string> | undefined;
  requestId?: string;
};

/** A REST proxy event as API Gateway sends it, for `resource` (a route path) and `path`. */
export function apiGatewayEvent(overrides: EventOverrides = {}): APIGatewayProxyEvent {
  const { claims, requestId = 'req-1', ...fields } = overrides;
  const headers = fields.headers ?? {};
  return {
    resource: '/v1/things/{thingId}',
    path: '/v1/things/t-1',
    httpMethod: 'POST',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, value === undefined ? undefined : [value]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { thingId: 't-1' },
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    ...fields,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      authorizer: claims === undefined ? undefined : { claims },
      httpMethod: fields.httpMethod ?? 'POST',
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '127.0.0.1',
        user: null,
        userAgent: 'vitest',
        userArn: null,
      },
      path: `/local${fields.path ?? '/v1/things/t-1'}`,
      protocol: 'HTTP/1.1',
      requestId,
      requestTimeEpoch: 0,
      resourceId: 'local',
      resourcePath: fields.resource ?? '/v1/things/{thingId}',
      stage: 'local',
    },
  };
}

/** A request with Content-Type application/json and `body` as JSON (or `overrides.body` as it is). */
export function jsonRequest(body: unknown, overrides: EventOverrides = {}): APIGatewayProxyEvent {
  return apiGatewayEvent({
    ...overrides,
    body: overrides.body ?? JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', ...overrides.headers },
  });
}

export const PRACTITIONER_CLAIMS = { sub: 'pr-1', 'cognito:groups': 'practitioner' };
export const PATIENT_CLAIMS = { sub: 'pa-1', 'cognito:groups': 'patient', 'custom:patient_id': 'p-1' };

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'chartproof-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:chartproof-test',
    memoryLimitInMB: '128',
    awsRequestId: 'lambda-req-1',
    logGroupName: '/aws/lambda/chartproof-test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Observability whose log lines are captured: Powertools writes to process.stdout/stderr through
 * its own Console, so the streams' write methods are spied on. Call `restore()` after each test.
 */
export function capturedObservability(): { observability: Observability; lines: () => string[]; restore: () => void } {
  const written: string[] = [];
  const capture = (chunk: unknown): boolean => {
    written.push(String(chunk));
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const logger = createLogger({ serviceName: 'chartproof-test', logLevel: 'DEBUG' });
  return {
    observability: { logger },
    lines: () => written.join('').split('\n').filter((line) => line.trim() !== ''),
    restore: () => {
      stdout.mockRestore();
      stderr.mockRestore();
    },
  };
}

export function parsedBody(result: APIGatewayProxyResult): Record<string, unknown> {
  return JSON.parse(result.body) as Record<string, unknown>;
}
