/**
 * The one canonical middy chain between API Gateway (REST, proxy integration) and a use case.
 *
 * A handler is `httpHandler({ route, schemas, handle }, deps)`: the chain authenticates, parses and
 * validates, so `handle` receives typed input and only calls its use case and returns
 * `{ status, body }`. Every failure, thrown anywhere, becomes an RFC 9457 problem in error-mapper.ts.
 *
 * Order. middy runs `before` hooks in registration order and `after`/`onError` hooks in reverse,
 * so the chain below reads top to bottom for requests and bottom to top for responses:
 *
 *   1. Powertools logger context     before: Lambda context on log lines   onError/after: clear
 *   2. Powertools tracer (AWS only)   before: open segment                  after/onError: close
 *   3. Powertools metrics (AWS only)  -                                     after/onError: publish (so it sees 6's metrics)
 *   4. request context                before: request id, trace id, start time
 *   5. header normalization           before: header names lower-cased (@middy/http-header-normalizer)
 *   6. access log                     -                                     after/onError: one log line + metrics (sees 10's response)
 *   7. authentication                 before: actor from authorizer claims (401) - before the body is read
 *   8. body                           before: size (413), content type (415), depth and JSON (400)
 *   9. validation                     before: zod over path params, query, headers, body (400)
 *  10. error mapper                   onError: registered last, so it is the first to see an error and
 *                                     turns it into the response every later onError hook then sees.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { ValidationError } from '../../shared/errors.ts';
import { actorFromClaims, type Actor } from './actor.ts';
import { errorResponse } from './error-mapper.ts';
import { DEFAULT_BODY_LIMITS, eventBodyText, parseJsonBody, type BodyLimits } from './json-body.ts';
import type { Observability } from './observability.ts';
import { problem, problemResponse, PROBLEM_TYPE_BASE } from './problem.ts';
import { toProxyResult, type HttpResult } from './response.ts';
import { validateParts } from './validation.ts';

/** The route a handler serves, as in functions/routes.ts. Public routes have no actor. */
export type RouteRef = { readonly method: string; readonly path: string; readonly public?: boolean };

/** zod schemas for the parts of a request; a part without a schema is not read. */
export type RequestSchemas = {
  params?: z.ZodType;
  query?: z.ZodType;
  headers?: z.ZodType;
  body?: z.ZodType;
};

type Parsed<Schema> = Schema extends z.ZodType ? z.output<Schema> : undefined;

/** What `handle` receives: the actor (undefined on public routes) and the validated request. */
export type HandlerInput<Route extends RouteRef, Schemas extends RequestSchemas> = {
  actor: Route extends { public: true } ? undefined : Actor;
  params: Parsed<Schemas['params']>;
  query: Parsed<Schemas['query']>;
  headers: Parsed<Schemas['headers']>;
  body: Parsed<Schemas['body']>;
  requestId: string;
  /** The X-Ray trace id, when API Gateway sent one. */
  traceId: string | undefined;
};

export type HttpHandlerDefinition<Route extends RouteRef, Schemas extends RequestSchemas, Result extends HttpResult> = {
  route: Route;
  schemas: Schemas;
  handle: (input: HandlerInput<Route, Schemas>) => Promise<Result>;
};

export type HttpDeps = {
  observability: Observability;
  /** Body limits; defaults to DEFAULT_BODY_LIMITS (1 MiB plus envelope, depth 64). */
  bodyLimits?: BodyLimits;
};

/** An API Gateway REST proxy (v1) handler, as Lambda and the local server call it. */
export type ApiGatewayHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** Per-request state, from the middlewares to the handler; it lives as long as the event object. */
type RequestState = {
  requestId: string;
  traceId: string | undefined;
  startedAt: number;
  actor?: Actor;
  /** The parsed JSON body, when the route takes one and one was sent. */
  body?: unknown;
  /** The problem type slug of an error response, for the access log. */
  problemType?: string;
  input?: { params: unknown; query: unknown; headers: unknown; body: unknown };
};

type ChainRequest = middy.Request<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>;
type ChainMiddleware = middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>;

/** Builds the handler for one route. Build once per cold start: the chain holds no per-request state. */
export function httpHandler<const Route extends RouteRef, const Schemas extends RequestSchemas, Result extends HttpResult>(
  definition: HttpHandlerDefinition<Route, Schemas, Result>,
  deps: HttpDeps,
): ApiGatewayHandler {
  const { logger, metrics, tracer } = deps.observability;
  const limits = deps.bodyLimits ?? DEFAULT_BODY_LIMITS;
  // middy hands the handler only (event, context); the state the middlewares built is found by event.
  const states = new WeakMap<object, RequestState>();
  const stateOf = (request: ChainRequest): RequestState | undefined => states.get(request.event);

  const requestContext: ChainMiddleware = {
    before: (request) => {
      const event = request.event;
      states.set(event, {
        requestId: event.requestContext?.requestId ?? request.context.awsRequestId ?? randomUUID(),
        traceId: traceIdFrom(event.headers),
        startedAt: performance.now(),
      });
    },
  };

  const accessLog: ChainMiddleware = {
    after: (request) => logCompletion(request),
    onError: (request) => logCompletion(request),
  };
  const logCompletion = (request: ChainRequest): void => {
    const state = stateOf(request);
    const status = request.response?.statusCode ?? 500;
    const durationMs = state === undefined ? undefined : Math.round(performance.now() - state.startedAt);
    logger.info('request completed', {
      requestId: state?.requestId,
      traceId: state?.traceId,
      method: definition.route.method,
      route: definition.route.path,
      status,
      durationMs,
      problemType: state?.problemType,
      actorRole: state?.actor?.role,
      actorId: state?.actor?.id,
    });
    metrics?.addMetric(`http${Math.floor(status / 100)}xx`, 'Count', 1);
    if (durationMs !== undefined) metrics?.addMetric('latency', 'Milliseconds', durationMs);
  };

  const authentication: ChainMiddleware = {
    before: (request) => {
      if (definition.route.public === true) return;
      requireState(request).actor = actorFromClaims(request.event.requestContext?.authorizer?.claims);
    },
  };

  const body: ChainMiddleware = {
    before: (request) => {
      // The size cap applies to every route; a route without a body schema ignores what it was sent.
      const text = eventBodyText(request.event, limits.maxBytes);
      if (definition.schemas.body === undefined || text === undefined) return;
      const contentType = request.event.headers?.['content-type'];
      requireState(request).body = parseJsonBody({ text, contentType, maxDepth: limits.maxDepth });
    },
  };

  const validation: ChainMiddleware = {
    before: (request) => {
      const state = requireState(request);
      const { event } = request;
      const { params, query, headers, body } = definition.schemas;
      state.input = validateParts({
        params: { schema: params, value: params === undefined ? undefined : decodedPathParameters(event.pathParameters) },
        query: { schema: query, value: { ...event.queryStringParameters } },
        headers: { schema: headers, value: { ...event.headers } },
        body: { schema: body, value: state.body },
      });
    },
  };

  const errorMapper: ChainMiddleware = {
    onError: (request) => {
      const requestId = stateOf(request)?.requestId ?? request.context.awsRequestId ?? 'unknown';
      try {
        const { response, mapped } = errorResponse(request.error, { requestId });
        if (mapped.unexpected) logger.error('unexpected error', { requestId, error: asError(request.error) });
        const state = stateOf(request);
        if (state !== undefined) state.problemType = mapped.problem.type.slice(PROBLEM_TYPE_BASE.length);
        request.response = response;
      } catch {
        // The mapper must never be the reason a request fails without an answer.
        request.response = problemResponse(problem('internal-error', 'an unexpected error occurred', { requestId }));
      }
    },
  };

  const chain = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>().use(injectLambdaContext(logger));
  if (tracer !== undefined) chain.use(captureLambdaHandler(tracer, { captureResponse: false }));
  if (metrics !== undefined) chain.use(logMetrics(metrics));
  chain.use(requestContext).use(httpHeaderNormalizer()).use(accessLog).use(authentication).use(body).use(validation).use(errorMapper);

  return chain.handler(async (event: APIGatewayProxyEvent) => {
    const state = states.get(event);
    if (state?.input === undefined) throw new Error('the chain reached the handler without validated input');
    const result = await definition.handle({
      actor: state.actor,
      ...state.input,
      requestId: state.requestId,
      traceId: state.traceId,
    } as HandlerInput<Route, Schemas>);
    return toProxyResult(result);
  }) as ApiGatewayHandler;

  function requireState(request: ChainRequest): RequestState {
    const state = stateOf(request);
    if (state === undefined) throw new Error('request context middleware did not run');
    return state;
  }
}

/** API Gateway REST passes path parameters as they were in the URL, percent-encoded; decode them once here. */
function decodedPathParameters(parameters: APIGatewayProxyEvent['pathParameters']): Record<string, string | undefined> {
  const decoded: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(parameters ?? {})) {
    try {
      decoded[name] = value === undefined ? undefined : decodeURIComponent(value);
    } catch {
      throw new ValidationError([{ path: `params.${name}`, message: 'is not valid percent-encoding' }]);
    }
  }
  return decoded;
}

/** The Root of an X-Amzn-Trace-Id header ("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"). */
function traceIdFrom(headers: APIGatewayProxyEvent['headers'] | null | undefined): string | undefined {
  const header = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'x-amzn-trace-id')?.[1];
  const root = header?.split(';').find((part) => part.trim().startsWith('Root='));
  const value = root?.trim().slice('Root='.length);
  return value !== undefined && /^[0-9a-f-]{1,64}$/.test(value) ? value : undefined;
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(`non-Error thrown: ${typeof value}`);
}
