/**
 * The local API server (ARCHITECTURE.md D7; `npm start`): node:http in front of the same handler
 * functions Lambda runs, called with the REST proxy events API Gateway would send.
 *
 * For each request, in API Gateway's order:
 *   1. match the route table: 404 for an unknown path, 405 (with Allow) for a known path and
 *      another method;
 *   2. for non-public routes, verify the bearer token (the Cognito authorizer's job): 401 when it
 *      is missing or invalid, before any handler runs;
 *   3. resolve the route's handler: 501 while its module does not exist yet;
 *   4. read the body, streaming, with a hard cap: 413 as soon as it is exceeded, never buffering
 *      more than the cap;
 *   5. build the event, call the handler, write its result.
 * Early answers are problem+json, like the chain's. The server builds no adapters: the composition
 * root (functions/local/compose.ts) passes `resolveHandler` and `verifyToken`.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWTPayload } from 'jose';
import { MAX_REQUEST_BODY_BYTES } from '../http/json-body.ts';
import { createLogger } from '../http/observability.ts';
import { problem, problemResponse, type Problem } from '../http/problem.ts';
import { routes as routeTable, type RouteDefinition } from '../routes.ts';
import { authorizerClaims } from './cognito-claims.ts';
import type { ResolveHandler } from './handler-modules.ts';
import { buildProxyEvent, lambdaContextFor, type LocalRequest } from './proxy-event.ts';
import { matchRoute } from './route-matcher.ts';

export const DEFAULT_PORT = 3000;

export type LocalServerOptions = {
  resolveHandler: ResolveHandler;
  /** Verifies a bearer token and returns its claims; throws (any error) to refuse it. */
  verifyToken: (token: string) => Promise<JWTPayload>;
  routes?: readonly RouteDefinition[];
  /** The most body bytes read; beyond them the answer is 413. Default: the chain's cap. */
  maxBodyBytes?: number;
  logger?: Logger;
};

const MAX_AUTHORIZATION_LENGTH = 8192;

/** A server for the route table; call `listen` on it (or use startLocalServer). */
export function createLocalServer(options: LocalServerOptions): Server {
  const routes = options.routes ?? routeTable;
  const maxBodyBytes = options.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES;
  const logger = options.logger ?? createLogger({ serviceName: 'chartproof-local' });

  const server = createServer((request, response) => {
    const requestId = randomUUID();
    handle(request, response, requestId).catch((error: unknown) => {
      logger.error('local server error', { requestId, error: error instanceof Error ? error : new Error(typeof error) });
      if (!response.headersSent) {
        writeProblem(request, response, problem('internal-error', `an unexpected error occurred; quote request id ${requestId} when reporting it`, { requestId }));
      } else {
        response.destroy();
      }
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> {
    const startedAt = Date.now();
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = (request.url ?? '/').split('?')[0] ?? '/';

    const match = matchRoute(routes, method, path);
    if (match.kind === 'not-found') {
      return writeProblem(request, response, problem('not-found', `no route ${method} ${truncated(url.pathname)}`, { requestId }));
    }
    if (match.kind === 'method-not-allowed') {
      return writeProblem(
        request,
        response,
        problem('method-not-allowed', `${method} is not allowed here; allowed: ${match.allowed.join(', ')}`, { requestId }),
        { allow: match.allowed.join(', ') },
      );
    }
    const { route, pathParameters } = match;

    let claims: Record<string, string> | undefined;
    if (route.public !== true) {
      const token = bearerToken(request.headers.authorization);
      if (typeof token !== 'string') return writeUnauthenticated(request, response, token.reason, requestId);
      try {
        claims = authorizerClaims(await options.verifyToken(token));
      } catch (error) {
        return writeUnauthenticated(request, response, `the bearer token is not valid: ${error instanceof Error ? error.message : 'refused'}`, requestId);
      }
    }

    const handler = await options.resolveHandler(route);
    if (handler === undefined) {
      return writeProblem(request, response, problem('not-implemented', `${route.method} ${route.path} is not implemented yet (${route.handler} does not exist)`, { requestId }));
    }

    const body = await readBody(request, maxBodyBytes);
    if (body === 'too-large') {
      return writeProblem(
        request,
        response,
        problem('payload-too-large', `request body is larger than the limit of ${maxBodyBytes} bytes`, { requestId, limitBytes: maxBodyBytes }),
      );
    }

    const localRequest: LocalRequest = {
      method,
      path,
      query: url.searchParams,
      rawHeaders: request.rawHeaders,
      body,
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      localPort: request.socket.localPort ?? 0,
    };
    const event = buildProxyEvent({ request: localRequest, route, pathParameters, requestId, claims, now: new Date(startedAt) });
    const result = await handler(event, lambdaContextFor({ route, requestId, startedAt }));
    writeResult(response, result);
  }

  function writeUnauthenticated(request: IncomingMessage, response: ServerResponse, detail: string, requestId: string): void {
    writeProblem(request, response, problem('unauthenticated', detail, { requestId }), { 'www-authenticate': 'Bearer realm="chartproof"' });
  }

  return server;
}

/** Listens on `port` (0 for any free port) and resolves with the server and the port it got. */
export async function startLocalServer(options: LocalServerOptions & { port?: number; host?: string }): Promise<{ server: Server; port: number }> {
  const server = createLocalServer(options);
  await new Promise<void>((resolveListening, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolveListening();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}

type TokenRefusal = { reason: string };

function bearerToken(header: string | undefined): string | TokenRefusal {
  if (header === undefined || header === '') return { reason: 'this route needs an Authorization: Bearer <token> header' };
  if (header.length > MAX_AUTHORIZATION_LENGTH) return { reason: 'the Authorization header is too long' };
  const match = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(header);
  if (match?.[1] === undefined) return { reason: 'the Authorization header must be "Bearer <token>"' };
  return match[1];
}

/**
 * Reads the body, keeping at most `maxBytes`. A declared Content-Length over the cap is refused
 * before reading anything; a body streamed past the cap stops being read at that point.
 */
function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large'> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = (outcome: () => void): void => {
      request.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      outcome();
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total <= maxBytes) chunks.push(chunk);
      else {
        request.pause(); // read no further; the connection is closed after the 413
        settle(() => resolve('too-large'));
      }
    };
    const onEnd = (): void => settle(() => resolve(Buffer.concat(chunks, total)));
    const onError = (error: Error): void => settle(() => reject(error));
    const onClose = (): void => settle(() => reject(new Error('the client closed the connection before sending the whole body')));
    request.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

function writeResult(response: ServerResponse, result: APIGatewayProxyResult): void {
  if (typeof result !== 'object' || result === null || !Number.isInteger(result.statusCode)) {
    throw new TypeError('the handler returned something other than an API Gateway proxy result');
  }
  response.statusCode = result.statusCode;
  for (const [name, value] of Object.entries(result.headers ?? {})) response.setHeader(name, String(value));
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) response.setHeader(name, values.map(String));
  response.end(result.isBase64Encoded === true ? Buffer.from(result.body, 'base64') : result.body);
}

/**
 * Writes an early problem answer. When the request body has not been read, the connection is
 * closed after the answer rather than kept alive, so an unread body is never drained without limit.
 */
function writeProblem(request: IncomingMessage, response: ServerResponse, body: Problem, headers: Record<string, string> = {}): void {
  const result = problemResponse(body, headers);
  const bodyPending = !request.readableEnded && (Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined);
  if (bodyPending) {
    response.setHeader('connection', 'close');
    response.once('finish', () => request.destroy());
  }
  writeResult(response, result);
}

function truncated(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
