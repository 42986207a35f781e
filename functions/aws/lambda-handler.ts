/**
 * The Lambda entry point of a handler module: `export const handler = lambdaHandler(makeHandler)`.
 *
 * The AWS composition root is built on the first invocation of the cold start, not at import (no
 * top-level awaits on the network), and then shared by every invocation. A failed build is not
 * kept, so the next invocation tries again rather than failing forever; meanwhile the client gets
 * the same opaque 500 problem as for any unexpected error. The log gets the error's name, and the
 * message only of a ConfigurationError (which names variables, never values): any other message
 * could quote a connection string or a driver's view of the data.
 *
 * After the response is ready, the invocation waits (at most PUBLISH_WAIT_MS) for the request's
 * domain events to be published: Lambda freezes the process when the handler returns, and a
 * publication frozen half-way would only go out with the next invocation or the relay's next run.
 * The events are safe in the outbox either way (ARCHITECTURE.md D4); this only makes them prompt.
 */
import type { ApiDeps } from '../api-deps.ts';
import type { ApiGatewayHandler } from '../http/chain.ts';
import { problem, problemResponse } from '../http/problem.ts';

/** How long an invocation waits for its events' publication after its response is ready. */
export const PUBLISH_WAIT_MS = 500;

export function lambdaHandler(
  build: (deps: ApiDeps) => ApiGatewayHandler,
  compose: () => Promise<ApiDeps> = async () => (await import('./compose.ts')).awsApiDeps(),
): ApiGatewayHandler {
  let built: Promise<{ handler: ApiGatewayHandler; deps: ApiDeps }> | undefined;
  return async (event, context) => {
    built ??= compose().then((deps) => ({ handler: build(deps), deps }));
    let handler: ApiGatewayHandler;
    let deps: ApiDeps;
    try {
      ({ handler, deps } = await built);
    } catch (error) {
      built = undefined;
      const requestId = context.awsRequestId;
      const name = error instanceof Error ? error.name : typeof error;
      const detail = error instanceof Error && name === 'ConfigurationError' ? error.message : undefined;
      console.error(JSON.stringify({ level: 'ERROR', message: 'composition failed', requestId, error: name, detail }));
      return problemResponse(problem('internal-error', `the service is not available; quote request id ${requestId} when reporting it`, { requestId }));
    }
    const response = await handler(event, context);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([deps.events.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, PUBLISH_WAIT_MS)))]);
    clearTimeout(timer);
    return response;
  };
}
