/**
 * The Lambda entry point of a handler module: `export const handler = lambdaHandler(makeHandler)`.
 *
 * The AWS composition root is built on the first invocation of the cold start, not at import (no
 * top-level awaits on the network), and then shared by every invocation. A failed build is not
 * kept, so the next invocation tries again rather than failing forever.
 */
import type { ApiDeps } from '../api-deps.ts';
import type { ApiGatewayHandler } from '../http/chain.ts';

export function lambdaHandler(build: (deps: ApiDeps) => ApiGatewayHandler): ApiGatewayHandler {
  let built: Promise<ApiGatewayHandler> | undefined;
  return async (event, context) => {
    built ??= import('./compose.ts')
      .then((compose) => compose.awsApiDeps())
      .then(build)
      .catch((error: unknown) => {
        built = undefined;
        throw error;
      });
    return (await built)(event, context);
  };
}
