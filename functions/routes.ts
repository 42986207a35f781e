/**
 * The route table (API.md "Routes"): the one list that the local server, the OpenAPI document and
 * the CDK API read. Adding a route here without its contract in functions/http/schemas/ does not
 * compile.
 *
 * `handler` is the module implementing the route, relative to the repository root. Every handler
 * module exports `makeHandler(deps)`, which builds its ApiGatewayHandler (functions/http/chain.ts)
 * from the dependencies a composition root provides; a module that does not exist yet is answered
 * with 501 by the local server. `public` routes need no token; all others need one.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type RouteDefinition = {
  readonly method: HttpMethod;
  /** An API Gateway resource path: literal segments and `{name}` parameters. */
  readonly path: string;
  readonly handler: string;
  readonly public?: boolean;
};

const routeTable = [
  { method: 'POST', path: '/v1/patients', handler: 'functions/handlers/register-patient.ts' },
  { method: 'POST', path: '/v1/patients/{patientId}/records', handler: 'functions/handlers/create-record.ts' },
  { method: 'GET', path: '/v1/patients/{patientId}/records', handler: 'functions/handlers/list-records.ts' },
  { method: 'GET', path: '/v1/patients/{patientId}/records/{recordId}', handler: 'functions/handlers/read-record.ts' },
  { method: 'PUT', path: '/v1/patients/{patientId}/records/{recordId}', handler: 'functions/handlers/update-record.ts' },
  { method: 'GET', path: '/v1/patients/{patientId}/records/{recordId}/history', handler: 'functions/handlers/read-record-history.ts' },
  { method: 'POST', path: '/v1/patients/{patientId}/consents', handler: 'functions/handlers/grant-consent.ts' },
  { method: 'GET', path: '/v1/patients/{patientId}/consents', handler: 'functions/handlers/list-consents.ts' },
  { method: 'DELETE', path: '/v1/patients/{patientId}/consents/{consentId}', handler: 'functions/handlers/revoke-consent.ts' },
  { method: 'GET', path: '/v1/patients/{patientId}/access-log', handler: 'functions/handlers/read-access-log.ts' },
  { method: 'GET', path: '/v1/patients/{patientId}/notification-preferences', handler: 'functions/handlers/read-notification-preferences.ts' },
  { method: 'PUT', path: '/v1/patients/{patientId}/notification-preferences', handler: 'functions/handlers/update-notification-preferences.ts' },
  { method: 'POST', path: '/v1/patients/{patientId}/erasure', handler: 'functions/handlers/erase-patient.ts' },
  { method: 'GET', path: '/v1/ledger/checkpoint', handler: 'functions/handlers/get-checkpoint.ts', public: true },
  { method: 'GET', path: '/v1/ledger/key', handler: 'functions/handlers/get-verifier-key.ts', public: true },
  { method: 'GET', path: '/v1/ledger/entries/{index}', handler: 'functions/handlers/get-ledger-entry.ts' },
  { method: 'GET', path: '/v1/ledger/consistency', handler: 'functions/handlers/get-consistency-proof.ts', public: true },
  { method: 'GET', path: '/v1/openapi.json', handler: 'functions/handlers/get-openapi.ts', public: true },
] as const satisfies readonly RouteDefinition[];

/** Every route of the API, in API.md's order. */
export const routes: readonly RouteDefinition[] = routeTable;

export type Route = (typeof routeTable)[number];

/** "METHOD /path", e.g. "GET /v1/ledger/checkpoint": how code names a route. */
export type RouteKey = Route extends infer Each ? (Each extends Route ? `${Each['method']} ${Each['path']}` : never) : never;

/** The table entry for `key`. */
export type RouteOf<Key extends RouteKey> = Extract<Route, { method: MethodOf<Key>; path: PathOf<Key> }>;
type MethodOf<Key extends string> = Key extends `${infer Method} ${string}` ? Method : never;
type PathOf<Key extends string> = Key extends `${string} ${infer Path}` ? Path : never;

export function routeKey(route: { method: string; path: string }): string {
  return `${route.method} ${route.path}`;
}

/** The table entry for `key`; throws for a key not in the table (only possible from untyped callers). */
export function routeFor<Key extends RouteKey>(key: Key): RouteOf<Key> {
  const route = routeTable.find((candidate) => routeKey(candidate) === key);
  if (route === undefined) throw new Error(`no route ${key} in the route table`);
  return route as RouteOf<Key>;
}
