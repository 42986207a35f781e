/**
 * API Gateway REST API proxy integration (payload v1) events, built from a local HTTP request the
 * way API Gateway builds them, so a handler cannot tell the local server from AWS:
 * - `headers` keeps each header's last value and `multiValueHeaders` every value, names as sent;
 *   API Gateway adds X-Forwarded-For/-Port/-Proto and X-Amzn-Trace-Id;
 * - `queryStringParameters` are decoded, the last value winning; `multiValueQueryStringParameters`
 *   hold all; both are null when there is no query;
 * - `path` and `pathParameters` stay percent-encoded, as REST APIs pass them; null when none;
 * - `body` is the UTF-8 text, or null when empty; `isBase64Encoded` is false (JSON is not binary);
 * - `requestContext.authorizer.claims` holds the verified token's claims as the Cognito authorizer
 *   passes them (functions/local/cognito-claims.ts), and is absent on public routes.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import type { RouteDefinition } from '../routes.ts';

export const LOCAL_STAGE = 'local';
/** API Gateway gives up on an integration after 29 s; handlers see the same deadline locally. */
export const INTEGRATION_TIMEOUT_MS = 29_000;

export type LocalRequest = {
  method: string;
  /** The request path, still percent-encoded, without the query. */
  path: string;
  query: URLSearchParams;
  /** Node's rawHeaders: names as sent, alternating with values. */
  rawHeaders: readonly string[];
  body: Buffer;
  sourceIp: string;
  localPort: number;
};

export function buildProxyEvent(options: {
  request: LocalRequest;
  route: RouteDefinition;
  pathParameters: Record<string, string>;
  requestId: string;
  /** The Cognito authorizer claims; undefined for public routes. */
  claims: Record<string, string> | undefined;
  now: Date;
}): APIGatewayProxyEvent {
  const { request, route, requestId, claims, now } = options;
  const { headers, multiValueHeaders } = headerMaps(request);
  const host = headers.Host ?? headers.host ?? `localhost:${request.localPort}`;
  const userAgent = Object.entries(headers).find(([name]) => name.toLowerCase() === 'user-agent')?.[1] ?? null;
  const query = queryMaps(request.query);
  return {
    resource: route.path,
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    pathParameters: Object.keys(options.pathParameters).length === 0 ? null : { ...options.pathParameters },
    stageVariables: null,
    body: request.body.length === 0 ? null : request.body.toString('utf8'),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      ...(claims === undefined ? {} : { authorizer: { claims } }),
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      extendedRequestId: requestId,
      httpMethod: request.method,
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
        sourceIp: request.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      path: `/${LOCAL_STAGE}${request.path}`,
      protocol: 'HTTP/1.1',
      requestId,
      requestTime: clfTime(now),
      requestTimeEpoch: now.getTime(),
      resourceId: 'local',
      resourcePath: route.path,
      stage: LOCAL_STAGE,
    } as APIGatewayProxyEvent['requestContext'],
  };
}

/** The Lambda context a handler gets: its deadline is API Gateway's integration timeout. */
export function lambdaContextFor(options: { route: RouteDefinition; requestId: string; startedAt: number }): Context {
  const name = `chartproof-local-${options.route.handler.replace(/^.*\//, '').replace(/\.ts$/, '')}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: options.requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: LOCAL_STAGE,
    getRemainingTimeInMillis: () => Math.max(0, options.startedAt + INTEGRATION_TIMEOUT_MS - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function headerMaps(request: LocalRequest): Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'> & { headers: Record<string, string> } {
  const multi = new Map<string, { name: string; values: string[] }>();
  const add = (name: string, value: string): void => {
    const key = name.toLowerCase();
    const entry = multi.get(key) ?? { name, values: [] };
    entry.values.push(value);
    multi.set(key, entry);
  };
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) add(request.rawHeaders[i]!, request.rawHeaders[i + 1]!);
  const setIfAbsent = (name: string, value: string): void => {
    if (!multi.has(name.toLowerCase())) add(name, value);
  };
  setIfAbsent('X-Forwarded-For', request.sourceIp);
  setIfAbsent('X-Forwarded-Port', String(request.localPort));
  setIfAbsent('X-Forwarded-Proto', 'http');
  setIfAbsent('X-Amzn-Trace-Id', `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`);
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const { name, values } of multi.values()) {
    headers[name] = values.at(-1)!;
    multiValueHeaders[name] = values;
  }
  return { headers, multiValueHeaders };
}

function queryMaps(query: URLSearchParams): { single: Record<string, string> | null; multi: Record<string, string[]> | null } {
  const multi: Record<string, string[]> = {};
  for (const [name, value] of query) (multi[name] ??= []).push(value);
  if (Object.keys(multi).length === 0) return { single: null, multi: null };
  const single = Object.fromEntries(Object.entries(multi).map(([name, values]) => [name, values.at(-1)!]));
  return { single, multi };
}

/** "09/Apr/2015:12:34:56 +0000", as API Gateway writes requestTime. */
function clfTime(now: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(now.getUTCDate())}/${months[now.getUTCMonth()]}/${now.getUTCFullYear()}:${two(now.getUTCHours())}:${two(now.getUTCMinutes())}:${two(now.getUTCSeconds())} +0000`;
}
