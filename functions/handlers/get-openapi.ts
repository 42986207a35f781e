/** GET /v1/openapi.json: the OpenAPI 3.1 document of this API (public). */
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { buildOpenApiDocument } from '../http/openapi.ts';
import { routeHandler } from '../http/route-handler.ts';

type OpenApiJson = { openapi: string; [member: string]: unknown };

export function makeHandler(deps: HttpDeps & { serverUrl?: string }): ApiGatewayHandler {
  let built: OpenApiJson | undefined; // built on the first request, then kept
  const document = (): OpenApiJson => (built ??= { ...buildOpenApiDocument({ serverUrl: deps.serverUrl }) });
  return routeHandler(
    'GET /v1/openapi.json',
    async () => ({ status: 200, body: document(), headers: { 'cache-control': 'public, max-age=300' } }),
    deps,
  );
}
