import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { httpHandler } from '../../functions/http/chain.ts';
import type { ApiGatewayHandler } from '../../functions/http/chain.ts';
import { moduleHandlerResolver, type ResolveHandler } from '../../functions/local/handler-modules.ts';
import { startLocalServer } from '../../functions/local/server.ts';
import { mintLocalToken, openLocalTokenKeys, verifyLocalToken, type LocalTokenKeys } from '../../functions/local/tokens.ts';
import type { RouteDefinition } from '../../functions/routes.ts';
import { capturedObservability } from '../http/support.ts';

const scratch = await mkdtemp(join(tmpdir(), 'chartproof-server-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));
const keys: LocalTokenKeys = await openLocalTokenKeys({ dataDir: join(scratch, 'data') });
const otherKeys: LocalTokenKeys = await openLocalTokenKeys({ dataDir: join(scratch, 'other') });
const patientToken = await mintLocalToken({ privateKey: keys.privateKey, role: 'patient', sub: 'pa-1', patientId: 'p-1' });

const routes: RouteDefinition[] = [
  { method: 'POST', path: '/v1/patients/{patientId}/records', handler: 'handlers/create.ts' },
  { method: 'GET', path: '/v1/patients/{patientId}/records', handler: 'handlers/list.ts' },
  { method: 'GET', path: '/v1/ledger/checkpoint', handler: 'handlers/checkpoint.ts', public: true },
  { method: 'GET', path: '/v1/not-written-yet', handler: 'handlers/missing.ts', public: true },
];

let capture: ReturnType<typeof capturedObservability>;
let handlers: Map<string, ApiGatewayHandler>;
let server: Server;
let base: string;

async function start(resolveHandler: ResolveHandler, maxBodyBytes?: number): Promise<void> {
  ({ server } = await startLocalServer({
    port: 0,
    routes,
    resolveHandler,
    verifyToken: (token) => verifyLocalToken(token, { publicKey: keys.publicKey }),
    logger: capture.observability.logger,
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
  }));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

beforeEach(async () => {
  capture = capturedObservability();
  handlers = new Map();
  await start(async (route) => handlers.get(route.handler));
});
afterEach(async () => {
  capture.restore();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A handler that records the event it was called with and answers 200 {ok: true}. */
function recordingHandler(): { handler: ApiGatewayHandler; events: APIGatewayProxyEvent[] } {
  const events: APIGatewayProxyEvent[] = [];
  return {
    events,
    handler: async (event): Promise<APIGatewayProxyResult> => {
      events.push(event);
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
    },
  };
}

async function problemOf(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return (await response.json()) as Record<string, unknown>;
}

describe('local server: the events it builds', () => {
  it('calls the handler with the REST proxy event API Gateway would send', async () => {
    const { handler, events } = recordingHandler();
    handlers.set('handlers/create.ts', handler);

    await fetch(`${base}/v1/patients/p%3A1/records?tag=a&tag=b%20c&limit=5`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${patientToken}`, 'Content-Type': 'application/json', 'X-Custom': 'one' },
      body: '{"resource":{"resourceType":"Observation"}}',
    });

    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event).toMatchObject({
      resource: '/v1/patients/{patientId}/records',
      path: '/v1/patients/p%3A1/records',
      httpMethod: 'POST',
      pathParameters: { patientId: 'p%3A1' },
      queryStringParameters: { tag: 'b c', limit: '5' },
      multiValueQueryStringParameters: { tag: ['a', 'b c'], limit: ['5'] },
      stageVariables: null,
      body: '{"resource":{"resourceType":"Observation"}}',
      isBase64Encoded: false,
    });
    expect(event.headers['X-Custom']).toBe('one'); // names as sent
    const lowerCased = Object.fromEntries(Object.entries(event.headers).map(([name, value]) => [name.toLowerCase(), value]));
    expect(lowerCased).toMatchObject({ authorization: `Bearer ${patientToken}`, 'content-type': 'application/json' });
    expect(event.headers['X-Forwarded-Proto']).toBe('http');
    expect(event.headers['X-Amzn-Trace-Id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(event.multiValueHeaders['X-Custom']).toEqual(['one']);
    expect(event.requestContext).toMatchObject({
      httpMethod: 'POST',
      resourcePath: '/v1/patients/{patientId}/records',
      path: '/local/v1/patients/p%3A1/records',
      stage: 'local',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      identity: { sourceIp: '127.0.0.1' },
      authorizer: {
        claims: {
          sub: 'pa-1',
          'cognito:groups': 'patient',
          'custom:patient_id': 'p-1',
          token_use: 'id',
          iss: 'chartproof-local',
          aud: 'chartproof-local-api',
          exp: expect.stringMatching(/^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$/),
        },
      },
    });
  });

  it('keeps repeated headers in multiValueHeaders and the last one in headers', async () => {
    const { handler, events } = recordingHandler();
    handlers.set('handlers/checkpoint.ts', handler);

    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${base}/v1/ledger/checkpoint`, { headers: ['Host', 'localhost', 'X-Tag', 'first', 'X-Tag', 'second'] }, (res) => {
        res.resume().on('end', resolve);
      });
      req.on('error', reject).end();
    });

    expect(events[0]?.headers['X-Tag']).toBe('second');
    expect(events[0]?.multiValueHeaders['X-Tag']).toEqual(['first', 'second']);
  });

  it('gives public routes no authorizer and null parameters', async () => {
    const { handler, events } = recordingHandler();
    handlers.set('handlers/checkpoint.ts', handler);

    const response = await fetch(`${base}/v1/ledger/checkpoint`);

    expect(response.status).toBe(200);
    expect(events[0]?.requestContext.authorizer).toBeUndefined();
    expect(events[0]).toMatchObject({ pathParameters: null, queryStringParameters: null, multiValueQueryStringParameters: null, body: null });
  });

  it('serves a handler built on the chain: the chain reads the actor and parameters from the event', async () => {
    handlers.set(
      'handlers/list.ts',
      httpHandler(
        {
          route: routes[1]!,
          schemas: { params: z.object({ patientId: z.string() }), query: z.object({ limit: z.string().optional() }) },
          handle: async ({ actor, params, query }) => ({ status: 200, body: { actor, params, query } }),
        },
        { observability: capture.observability },
      ),
    );

    const response = await fetch(`${base}/v1/patients/p%3A1/records?limit=3`, { headers: { authorization: `Bearer ${patientToken}` } });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      actor: { id: 'pa-1', role: 'patient', patientId: 'p-1' },
      params: { patientId: 'p:1' },
      query: { limit: '3' },
    });
  });

  it('writes the handler result: status, headers and body', async () => {
    handlers.set('handlers/checkpoint.ts', async () => ({ statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-extra': 'yes' }, body: 'note\n' }));

    const response = await fetch(`${base}/v1/ledger/checkpoint`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('x-extra')).toBe('yes');
    expect(await response.text()).toBe('note\n');
  });
});

describe('local server: answers before any handler runs', () => {
  it('404 problem for an unknown route', async () => {
    const response = await fetch(`${base}/v1/nothing/here`);

    expect(response.status).toBe(404);
    expect(await problemOf(response)).toMatchObject({ type: 'https://chartproof.dev/problems/not-found', status: 404, detail: 'no route GET /v1/nothing/here' });
  });

  it('405 problem, with Allow, for a known path and another method', async () => {
    const response = await fetch(`${base}/v1/patients/p-1/records`, { method: 'DELETE', headers: { authorization: `Bearer ${patientToken}` } });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST');
    expect(await problemOf(response)).toMatchObject({ type: 'https://chartproof.dev/problems/method-not-allowed', status: 405 });
  });

  it('501 problem for a route whose handler is not written yet', async () => {
    const response = await fetch(`${base}/v1/not-written-yet`);

    expect(response.status).toBe(501);
    expect(await problemOf(response)).toMatchObject({
      type: 'https://chartproof.dev/problems/not-implemented',
      detail: 'GET /v1/not-written-yet is not implemented yet (handlers/missing.ts does not exist)',
    });
  });

  it.each([
    ['no Authorization header', () => ({}), /needs an Authorization: Bearer <token> header/],
    ['another scheme', () => ({ authorization: 'Basic YTpi' }), /must be "Bearer <token>"/],
    ['a garbage token', () => ({ authorization: 'Bearer not-a-jwt' }), /not valid: token is malformed/],
    ['a token signed by another key', async () => ({ authorization: `Bearer ${await mintLocalToken({ privateKey: otherKeys.privateKey, role: 'admin', sub: 'a-1' })}` }), /signature does not verify/],
    [
      'an expired token',
      async () => ({ authorization: `Bearer ${await mintLocalToken({ privateKey: keys.privateKey, role: 'admin', sub: 'a-1', expiresInSeconds: 1, now: new Date(Date.now() - 60_000) })}` }),
      /token expired/,
    ],
  ])('401 problem for %s, and the handler is never called', async (_case, headers, detail) => {
    const { handler, events } = recordingHandler();
    handlers.set('handlers/list.ts', handler);

    const response = await fetch(`${base}/v1/patients/p-1/records`, { headers: await headers() });

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="chartproof"');
    expect(await problemOf(response)).toMatchObject({ type: 'https://chartproof.dev/problems/unauthenticated', detail: expect.stringMatching(detail) });
    expect(events).toEqual([]);
  });

  it('500 problem, logged, when a handler throws', async () => {
    handlers.set('handlers/checkpoint.ts', async () => {
      throw new Error('boom with secret MARKER-1');
    });

    const response = await fetch(`${base}/v1/ledger/checkpoint`);

    expect(response.status).toBe(500);
    const body = await problemOf(response);
    expect(body).toMatchObject({ type: 'https://chartproof.dev/problems/internal-error' });
    expect(JSON.stringify(body)).not.toContain('MARKER');
    expect(capture.lines().join('\n')).toContain('local server error');
    expect(capture.lines().join('\n')).not.toContain('MARKER');
  });
});

/** Sends `total` bytes in 64 KiB chunks (optionally declaring Content-Length), stopping once the server answers. */
function upload(options: { total: number; declareLength: boolean }): Promise<{ status: number; body: string; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = httpRequest(`${base}/v1/patients/p-1/records`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${patientToken}`,
        'content-type': 'application/json',
        ...(options.declareLength ? { 'content-length': String(options.total) } : {}),
      },
    });
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, body, sent }));
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const writeMore = (): void => {
      while (!answered && sent < options.total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', writeMore);
      }
      if (!answered) req.end();
    };
    writeMore();
  });
}

describe('local server: body cap', () => {
  it('413 for a declared 5 MiB body, without reading it', async () => {
    const { handler, events } = recordingHandler();
    handlers.set('handlers/create.ts', handler);

    const { status, body } = await upload({ total: 5 * 1024 * 1024, declareLength: true });

    expect(status).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ type: 'https://chartproof.dev/problems/payload-too-large', limitBytes: 1_114_112 });
    expect(events).toEqual([]);
  });

  it('413 for a chunked body that grows past the cap, stopping the upload early', async () => {
    const { handler, events } = recordingHandler();
    handlers.set('handlers/create.ts', handler);

    const { status, sent } = await upload({ total: 64 * 1024 * 1024, declareLength: false });

    expect(status).toBe(413);
    expect(sent).toBeLessThan(16 * 1024 * 1024);
    expect(events).toEqual([]);
  });

  it('passes a body right at the cap to the handler', async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await start(async (route) => handlers.get(route.handler), 128 * 1024);
    const { handler, events } = recordingHandler();
    handlers.set('handlers/create.ts', handler);

    const { status } = await upload({ total: 128 * 1024, declareLength: false });

    expect(status).toBe(200);
    expect(events[0]?.body).toHaveLength(128 * 1024);
  });
});

describe('moduleHandlerResolver', () => {
  const root = join(scratch, 'repo');
  beforeAll(async () => {
    await mkdir(join(root, 'handlers'), { recursive: true });
    await writeFile(
      join(root, 'handlers', 'checkpoint.ts'),
      "export function makeHandler(deps) { return async () => ({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: deps.note }); }\n",
    );
    await writeFile(join(root, 'handlers', 'list.ts'), 'export const somethingElse = 1;\n');
  });

  it('builds a handler from its module with the given deps', async () => {
    const resolve = moduleHandlerResolver({ root, deps: { note: 'from deps' } });

    const handler = await resolve(routes[2]!);

    expect(await handler?.({} as APIGatewayProxyEvent, {} as never)).toMatchObject({ statusCode: 200, body: 'from deps' });
  });

  it('builds each handler once', async () => {
    const resolve = moduleHandlerResolver({ root, deps: { note: 'x' } });

    const [first, second] = await Promise.all([resolve(routes[2]!), resolve(routes[2]!)]);

    expect(first).toBe(second);
  });

  it('resolves a module that does not exist to undefined, which the server answers with 501', async () => {
    const resolve = moduleHandlerResolver({ root, deps: {} });

    expect(await resolve(routes[3]!)).toBeUndefined();
  });

  it('throws for a module without makeHandler', async () => {
    const resolve = moduleHandlerResolver({ root, deps: {} });

    await expect(resolve(routes[1]!)).rejects.toThrow(/does not export makeHandler/);
  });
});

describe('local server with moduleHandlerResolver', () => {
  it('answers 501 for a missing module and serves an existing one', async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    const resolveHandler = vi.fn(moduleHandlerResolver({ root: join(scratch, 'repo'), deps: { note: 'served' } }));
    await start(resolveHandler);

    const missing = await fetch(`${base}/v1/not-written-yet`);
    const served = await fetch(`${base}/v1/ledger/checkpoint`);

    expect(missing.status).toBe(501);
    expect(await served.text()).toBe('served');
  });
});
