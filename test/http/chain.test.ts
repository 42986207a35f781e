import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { httpHandler, type HandlerInput } from '../../functions/http/chain.ts';
import { Identifier, integerParameter } from '../../functions/http/schemas/common.ts';
import { ForbiddenError, NotFoundError } from '../../shared/errors.ts';
import {
  apiGatewayEvent,
  capturedObservability,
  jsonRequest,
  lambdaContext,
  parsedBody,
  PATIENT_CLAIMS,
  PRACTITIONER_CLAIMS,
} from './support.ts';

const route = { method: 'POST', path: '/v1/things/{thingId}' } as const;
const schemas = {
  params: z.object({ thingId: Identifier }),
  query: z.object({ limit: integerParameter({ min: 1, max: 100 }).optional() }),
  headers: z.object({ 'x-mode': z.enum(['fast', 'slow']).optional() }),
  body: z.strictObject({ name: z.string().max(50), count: z.int().min(0) }),
};
type Input = HandlerInput<typeof route, typeof schemas>;

let capture: ReturnType<typeof capturedObservability>;
beforeEach(() => {
  capture = capturedObservability();
});
afterEach(() => capture.restore());

function thingHandler(handle: (input: Input) => Promise<{ status: number; body?: unknown }> = async (input) => ({ status: 200, body: input })) {
  const spy = vi.fn(handle);
  const handler = httpHandler({ route, schemas, handle: spy }, { observability: capture.observability });
  return { spy, invoke: (event: APIGatewayProxyEvent) => handler(event, lambdaContext()) };
}

const validBody = { name: 'widget', count: 3 };

describe('httpHandler: a valid request', () => {
  it('hands the use case the actor, typed params, query, headers and body, and answers JSON', async () => {
    const { invoke } = thingHandler();

    const result = await invoke(
      jsonRequest(validBody, {
        claims: PATIENT_CLAIMS,
        pathParameters: { thingId: 'a%3Ab' },
        queryStringParameters: { limit: '10' },
        headers: { 'X-Mode': 'fast' },
        requestId: 'req-42',
      }),
    );

    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe('application/json');
    expect(parsedBody(result)).toEqual({
      actor: { id: 'pa-1', role: 'patient', patientId: 'p-1' },
      params: { thingId: 'a:b' },
      query: { limit: 10 },
      headers: { 'x-mode': 'fast' },
      body: validBody,
      requestId: 'req-42',
    });
  });

  it('accepts application/fhir+json with charset=utf-8', async () => {
    const { invoke } = thingHandler();

    const result = await invoke(
      jsonRequest(validBody, { claims: PRACTITIONER_CLAIMS, headers: { 'content-type': 'application/fhir+json; charset=UTF-8' } }),
    );

    expect(result.statusCode).toBe(200);
  });

  it('decodes a base64-encoded body', async () => {
    const { invoke } = thingHandler();

    const result = await invoke(
      jsonRequest(null, {
        claims: PRACTITIONER_CLAIMS,
        body: Buffer.from(JSON.stringify(validBody)).toString('base64'),
        isBase64Encoded: true,
      }),
    );

    expect(parsedBody(result).body).toEqual(validBody);
  });

  it('gives a public route no actor, even without claims', async () => {
    const handler = httpHandler(
      { route: { method: 'GET', path: '/v1/open', public: true }, schemas: {}, handle: async ({ actor }) => ({ status: 200, body: { actor: actor ?? null } }) },
      { observability: capture.observability },
    );

    const result = await handler(apiGatewayEvent({ httpMethod: 'GET' }), lambdaContext());

    expect(parsedBody(result)).toEqual({ actor: null });
  });
});

describe('httpHandler: refusals are problem+json with a useful detail', () => {
  it.each([
    ['no claims', undefined, /no verified token claims/],
    ['no role group', { sub: 'u-1', 'cognito:groups': 'beta-testers' }, /exactly one of patient, practitioner, auditor, admin; found 0/],
    ['two roles', { sub: 'u-1', 'cognito:groups': 'patient,admin', 'custom:patient_id': 'p-1' }, /exactly one .* found 2/],
    ['a patient without custom:patient_id', { sub: 'u-1', 'cognito:groups': 'patient' }, /custom:patient_id/],
    ['a sub that is no identifier', { sub: 'has space', 'cognito:groups': 'admin' }, /sub claim/],
  ])('401 for %s, before the body is read', async (_case, claims, detail) => {
    const { invoke, spy } = thingHandler();

    const result = await invoke(apiGatewayEvent({ claims, body: 'not even json', headers: { 'content-type': 'text/plain' } }));

    expect(result.statusCode).toBe(401);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(result.headers?.['www-authenticate']).toMatch(/^Bearer/);
    expect(parsedBody(result)).toMatchObject({ type: 'https://chartproof.dev/problems/unauthenticated', status: 401, detail: expect.stringMatching(detail) });
    expect(spy).not.toHaveBeenCalled();
  });

  it('400 for a body that is not JSON, without quoting it', async () => {
    const { invoke, spy } = thingHandler();

    const result = await invoke(apiGatewayEvent({ claims: PRACTITIONER_CLAIMS, body: '{"name": "widget", oops}', headers: { 'content-type': 'application/json' } }));

    expect(result.statusCode).toBe(400);
    expect(parsedBody(result)).toMatchObject({
      type: 'https://chartproof.dev/problems/invalid-request',
      title: 'Invalid request',
      status: 400,
      detail: 'invalid request: body: is not valid JSON',
      errors: [{ path: 'body', message: 'is not valid JSON' }],
    });
    expect(result.body).not.toContain('oops');
    expect(spy).not.toHaveBeenCalled();
  });

  it('400 naming each wrongly typed field', async () => {
    const { invoke } = thingHandler();

    const result = await invoke(jsonRequest({ name: 7, count: '3' }, { claims: PRACTITIONER_CLAIMS }));

    expect(result.statusCode).toBe(400);
    const paths = (parsedBody(result).errors as { path: string }[]).map((issue) => issue.path);
    expect(paths).toEqual(['body.name', 'body.count']);
    expect(parsedBody(result).detail).toMatch(/body\.name: .*expected string.*; body\.count: .*expected number/);
  });

  it('400 for an unknown body field, a bad path parameter, query and header', async () => {
    const { invoke } = thingHandler();

    const result = await invoke(
      jsonRequest(
        { ...validBody, extra: true },
        { claims: PRACTITIONER_CLAIMS, pathParameters: { thingId: 'no spaces' }, queryStringParameters: { limit: '1e3' }, headers: { 'x-mode': 'warp' } },
      ),
    );

    expect(result.statusCode).toBe(400);
    const paths = (parsedBody(result).errors as { path: string }[]).map((issue) => issue.path);
    expect(paths).toEqual(['params.thingId', 'query.limit', 'headers.x-mode', 'body']);
    expect((parsedBody(result).errors as { message: string }[])[3]?.message).toMatch(/extra/);
  });

  it('400 for a missing body on a route that needs one', async () => {
    const { invoke } = thingHandler();

    const result = await invoke(apiGatewayEvent({ claims: PRACTITIONER_CLAIMS, body: null }));

    expect(result.statusCode).toBe(400);
    expect((parsedBody(result).errors as { path: string }[])[0]?.path).toBe('body');
  });

  it('400 for malformed percent-encoding in a path parameter', async () => {
    const { invoke } = thingHandler();

    const result = await invoke(jsonRequest(validBody, { claims: PRACTITIONER_CLAIMS, pathParameters: { thingId: 'bad%E0%A4%A' } }));

    expect(result.statusCode).toBe(400);
    expect(parsedBody(result).errors).toEqual([{ path: 'params.thingId', message: 'is not valid percent-encoding' }]);
  });

  it('400, not a stack overflow, for a nesting bomb', async () => {
    const { invoke, spy } = thingHandler();
    const depth = 500_000;

    const result = await invoke(apiGatewayEvent({ claims: PRACTITIONER_CLAIMS, body: '['.repeat(depth) + ']'.repeat(depth), headers: { 'content-type': 'application/json' } }));

    expect(result.statusCode).toBe(400);
    expect(parsedBody(result).detail).toBe('invalid request: body: is nested more than 64 levels deep');
    expect(spy).not.toHaveBeenCalled();
  });

  it('accepts nesting up to the limit', async () => {
    const handler = httpHandler(
      { route, schemas: { body: z.unknown() }, handle: async () => ({ status: 204 }) },
      { observability: capture.observability },
    );

    const result = await handler(apiGatewayEvent({ claims: PRACTITIONER_CLAIMS, body: '['.repeat(64) + ']'.repeat(64), headers: { 'content-type': 'application/json' } }), lambdaContext());

    expect(result.statusCode).toBe(204);
  });

  it('400 for a "__proto__" key', async () => {
    const { invoke } = thingHandler();

    const result = await invoke(apiGatewayEvent({ claims: PRACTITIONER_CLAIMS, body: '{"name":"a","count":1,"__proto__":{"x":1}}', headers: { 'content-type': 'application/json' } }));

    expect(result.statusCode).toBe(400);
    expect(parsedBody(result).detail).toMatch(/__proto__/);
  });

  it('413 for a 5 MiB body, naming the limit', async () => {
    const { invoke, spy } = thingHandler();
    const body = JSON.stringify({ name: 'x'.repeat(5 * 1024 * 1024), count: 1 });

    const result = await invoke(jsonRequest(null, { claims: PRACTITIONER_CLAIMS, body }));

    expect(result.statusCode).toBe(413);
    expect(parsedBody(result)).toMatchObject({
      type: 'https://chartproof.dev/problems/payload-too-large',
      detail: `request body is ${body.length} bytes, more than the limit of 1114112 bytes`,
      limitBytes: 1_114_112,
    });
    expect(spy).not.toHaveBeenCalled();
  });

  it('413 counts UTF-8 bytes, not characters', async () => {
    const { invoke } = thingHandler();
    const body = JSON.stringify({ name: 'é'.repeat(600_000), count: 1 }); // 600k characters, 1.2 MB

    const result = await invoke(jsonRequest(null, { claims: PRACTITIONER_CLAIMS, body }));

    expect(result.statusCode).toBe(413);
  });

  it.each([
    ['text/plain', 'Content-Type text/plain is not accepted; send application/json or application/fhir+json'],
    ['application/json; charset=latin1', 'Content-Type application/json is not accepted; send application/json or application/fhir+json'],
    [undefined, 'a body without Content-Type is not accepted; send application/json or application/fhir+json'],
    ['text/html"><script>', 'this Content-Type is not accepted; send application/json or application/fhir+json'],
  ])('415 for Content-Type %s', async (contentType, detail) => {
    const { invoke, spy } = thingHandler();

    const result = await invoke(
      apiGatewayEvent({ claims: PRACTITIONER_CLAIMS, body: JSON.stringify(validBody), headers: contentType === undefined ? {} : { 'content-type': contentType } }),
    );

    expect(result.statusCode).toBe(415);
    expect(parsedBody(result)).toMatchObject({ status: 415, detail, accepted: ['application/json', 'application/fhir+json'] });
    expect(spy).not.toHaveBeenCalled();
  });
});

describe('httpHandler: errors from the use case', () => {
  it('maps a domain error to its problem, with the receipt of the journaled denial', async () => {
    const { invoke } = thingHandler(async () => {
      throw new ForbiddenError('no consent covers record r-1', { receipt: { index: 7, leafHash: 'bGVhZg==' } });
    });

    const result = await invoke(jsonRequest(validBody, { claims: PRACTITIONER_CLAIMS, requestId: 'req-9' }));

    expect(result.statusCode).toBe(403);
    expect(parsedBody(result)).toEqual({
      type: 'https://chartproof.dev/problems/forbidden',
      title: 'Forbidden',
      status: 403,
      detail: 'no consent covers record r-1',
      requestId: 'req-9',
      entry: { index: 7, leafHash: 'bGVhZg==' },
    });
  });

  it('maps NotFoundError to 404', async () => {
    const { invoke } = thingHandler(async () => {
      throw new NotFoundError({ resource: 'record', id: 'r-1' });
    });

    const result = await invoke(jsonRequest(validBody, { claims: PRACTITIONER_CLAIMS }));

    expect(result.statusCode).toBe(404);
    expect(parsedBody(result).detail).toBe('record r-1 not found');
  });

  it('answers an unknown error with an opaque 500: no message, no stack', async () => {
    const { invoke } = thingHandler(async () => {
      throw new TypeError('row for patient Jane Doe with diagnosis Q-SECRET failed');
    });

    const result = await invoke(jsonRequest(validBody, { claims: PRACTITIONER_CLAIMS, requestId: 'req-500' }));

    expect(result.statusCode).toBe(500);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(parsedBody(result)).toEqual({
      type: 'https://chartproof.dev/problems/internal-error',
      title: 'Internal error',
      status: 500,
      detail: 'an unexpected error occurred; quote request id req-500 when reporting it',
      requestId: 'req-500',
    });
    expect(result.body).not.toMatch(/Jane|Q-SECRET|TypeError|at /);
  });

  it('logs the cause of an unknown error by name and frames, never its message', async () => {
    const { invoke } = thingHandler(async () => {
      throw new TypeError('row for patient Jane Doe with diagnosis Q-SECRET failed');
    });

    await invoke(jsonRequest(validBody, { claims: PRACTITIONER_CLAIMS, requestId: 'req-500' }));

    const unexpected = capture.lines().map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.message === 'unexpected error');
    expect(unexpected).toMatchObject({ level: 'ERROR', requestId: 'req-500', error: { name: 'TypeError' } });
    expect(capture.lines().join('\n')).not.toMatch(/Jane|Q-SECRET/);
  });

  it('answers a thrown non-Error with an opaque 500', async () => {
    const { invoke } = thingHandler(async () => {
      throw 'a string';
    });

    const result = await invoke(jsonRequest(validBody, { claims: PRACTITIONER_CLAIMS }));

    expect(result.statusCode).toBe(500);
  });
});

describe('httpHandler: logs', () => {
  it('writes one completion line per request with ids, route, status and problem type', async () => {
    const { invoke } = thingHandler();

    await invoke(jsonRequest({ name: 7, count: 1 }, { claims: PRACTITIONER_CLAIMS, requestId: 'req-log' }));

    const completed = capture.lines().map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.message === 'request completed');
    expect(completed).toEqual([
      expect.objectContaining({
        requestId: 'req-log',
        method: 'POST',
        route: '/v1/things/{thingId}',
        status: 400,
        problemType: 'invalid-request',
        actorRole: 'practitioner',
        actorId: 'pr-1',
        service: 'chartproof-test',
        function_request_id: 'lambda-req-1',
      }),
    ]);
  });

  it.each([
    ['a valid body', JSON.stringify({ name: 'MARKER-7f3a', count: 1 }), 'application/json'],
    ['an invalid body', '{"name": "MARKER-7f3a", ', 'application/json'],
    ['a body of the wrong type', JSON.stringify({ name: 'MARKER-7f3a', count: 'x' }), 'application/json'],
    ['a body with the wrong content type', 'MARKER-7f3a', 'text/plain'],
  ])('never logs any of %s', async (_case, body) => {
    const { invoke } = thingHandler(async (input) => {
      throw new Error(`failed on ${JSON.stringify(input.body)}`);
    });

    await invoke(apiGatewayEvent({ claims: PRACTITIONER_CLAIMS, body, headers: { 'content-type': 'application/json', 'x-secret': 'MARKER-7f3a' } }));

    expect(capture.lines().length).toBeGreaterThan(0);
    expect(capture.lines().join('\n')).not.toContain('MARKER');
  });
});

describe('httpHandler: metrics', () => {
  it('publishes a status-class count and the latency as EMF after each request, ids only', async () => {
    const metrics = new Metrics({ namespace: 'chartproof', serviceName: 'chartproof-test' });
    const handler = httpHandler(
      { route, schemas, handle: async () => ({ status: 201, body: { secret: 'MARKER-9' } }) },
      { observability: { ...capture.observability, metrics } },
    );

    await handler(jsonRequest(validBody, { claims: PRACTITIONER_CLAIMS }), lambdaContext());

    const emf = capture.lines().map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => '_aws' in line);
    expect(emf).toMatchObject({ http2xx: 1, latency: expect.any(Number), service: 'chartproof-test' });
    expect(capture.lines().join('\n')).not.toContain('MARKER');
  });
});
