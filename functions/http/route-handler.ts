/**
 * `routeHandler(key, handle, deps)`: the chain (chain.ts) for one route of the table, with the
 * route's contract (schemas/index.ts) as its request schemas and its responses as the type of what
 * `handle` may return. A handler module is then a few lines:
 *
 *   export function makeHandler(deps: HttpDeps & { createRecord: CreateRecord }): ApiGatewayHandler {
 *     return routeHandler('POST /v1/patients/{patientId}/records', async ({ actor, params, body }) => {
 *       const created = await deps.createRecord({ actor, patientId: params.patientId, ...body });
 *       return { status: 201, body: created };
 *     }, deps);
 *   }
 */
import type { z } from 'zod';
import { routeFor, type RouteKey, type RouteOf } from '../routes.ts';
import { httpHandler, type ApiGatewayHandler, type HandlerInput, type HttpDeps } from './chain.ts';
import { contracts, type Contracts } from './schemas/index.ts';

type Responses<Key extends RouteKey> = Contracts[Key]['responses'];
type Content<Key extends RouteKey, Status extends keyof Responses<Key>> = Responses<Key>[Status] extends { content: infer C } ? C : never;

type RouteResultOf<Key extends RouteKey> = {
  [Status in keyof Responses<Key> & number]: {
    [Media in keyof Content<Key, Status> & string]: {
      status: Status;
      body: Content<Key, Status>[Media] extends z.ZodType ? z.input<Content<Key, Status>[Media]> : never;
      headers?: Record<string, string>;
    } & (Media extends 'application/json' ? { contentType?: Media } : { contentType: Media });
  }[keyof Content<Key, Status> & string];
}[keyof Responses<Key> & number];

type RouteResults = { [Key in RouteKey]: RouteResultOf<Key> };
/**
 * The results by route, as an interface: indexed with routeHandler's generic key, an interface
 * keeps `status: 201` a literal in the handler's return, where the mapped type itself would let
 * TypeScript widen it to number and refuse every handler.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
interface RouteResultTable extends RouteResults {}

/** What a route's handler may return: one of its contract's statuses and media types, with a body of that schema. */
export type RouteResult<Key extends RouteKey> = RouteResultTable[Key];

export type RouteInput<Key extends RouteKey> = HandlerInput<RouteOf<Key>, Contracts[Key]['request']>;

/** Builds the handler of route `key`; build once per cold start. */
export function routeHandler<Key extends RouteKey>(
  key: Key,
  handle: (input: RouteInput<NoInfer<Key>>) => Promise<RouteResult<NoInfer<Key>>>,
  deps: HttpDeps,
): ApiGatewayHandler {
  const schemas: Contracts[Key]['request'] = contracts[key].request;
  return httpHandler<RouteOf<Key>, Contracts[Key]['request'], RouteResult<Key>>({ route: routeFor(key), schemas, handle }, deps);
}
