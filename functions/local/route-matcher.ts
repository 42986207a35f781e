/**
 * Matching a request against the route table as API Gateway does: literal segments match exactly,
 * `{name}` matches one non-empty segment (kept percent-encoded, as REST APIs pass it), and when
 * several routes match, the one with more literal segments wins.
 */
import type { RouteDefinition } from '../routes.ts';

export type RouteMatch =
  | { kind: 'found'; route: RouteDefinition; pathParameters: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

export function matchRoute(routes: readonly RouteDefinition[], method: string, path: string): RouteMatch {
  const segments = path.split('/').slice(1);
  const matches: { route: RouteDefinition; pathParameters: Record<string, string>; literals: number }[] = [];
  for (const route of routes) {
    const matched = matchPath(route.path, segments);
    if (matched !== undefined) matches.push({ route, ...matched });
  }
  if (matches.length === 0) return { kind: 'not-found' };
  const mostSpecific = Math.max(...matches.map((match) => match.literals));
  const candidates = matches.filter((match) => match.literals === mostSpecific);
  const found = candidates.find((match) => match.route.method === method);
  if (found !== undefined) return { kind: 'found', route: found.route, pathParameters: found.pathParameters };
  return { kind: 'method-not-allowed', allowed: [...new Set(candidates.map((match) => match.route.method))].sort() };
}

function matchPath(template: string, segments: readonly string[]): { pathParameters: Record<string, string>; literals: number } | undefined {
  const parts = template.split('/').slice(1);
  if (parts.length !== segments.length) return undefined;
  const pathParameters: Record<string, string> = {};
  let literals = 0;
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] ?? '';
    const parameter = /^\{([A-Za-z0-9_]+)\}$/.exec(part)?.[1];
    if (parameter !== undefined) {
      if (segment === '') return undefined;
      pathParameters[parameter] = segment;
    } else if (part === segment) {
      literals++;
    } else {
      return undefined;
    }
  }
  return { pathParameters, literals };
}
