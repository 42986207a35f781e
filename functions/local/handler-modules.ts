/**
 * Resolving a route's handler from its module (functions/routes.ts): the module at `route.handler`
 * exports `makeHandler(deps)`, called once with the composition root's dependencies and kept.
 *
 * A module that does not exist yet resolves to undefined, which the local server answers with 501,
 * so the API can be run while its handlers are still being written. A module that exists but fails
 * to load, or has no makeHandler, is a bug and throws.
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ApiGatewayHandler } from '../http/chain.ts';
import type { RouteDefinition } from '../routes.ts';

export type ResolveHandler = (route: RouteDefinition) => Promise<ApiGatewayHandler | undefined>;

/** Resolves handlers from modules under `root` (the repository root), building each once with `deps`. */
export function moduleHandlerResolver(options: { root: string; deps: unknown }): ResolveHandler {
  const built = new Map<string, Promise<ApiGatewayHandler | undefined>>();
  return (route) => {
    let handler = built.get(route.handler);
    if (handler === undefined) {
      handler = loadHandler(resolve(options.root, route.handler), options.deps);
      // A failed load is not kept: fix the module and the next request tries again.
      handler.catch(() => built.delete(route.handler));
      built.set(route.handler, handler);
    }
    return handler;
  };
}

async function loadHandler(modulePath: string, deps: unknown): Promise<ApiGatewayHandler | undefined> {
  try {
    await access(modulePath);
  } catch {
    return undefined;
  }
  const module = (await import(pathToFileURL(modulePath).href)) as { makeHandler?: unknown };
  if (typeof module.makeHandler !== 'function') throw new TypeError(`${modulePath} does not export makeHandler(deps)`);
  return (module.makeHandler as (deps: unknown) => ApiGatewayHandler)(deps);
}
