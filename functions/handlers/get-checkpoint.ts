/** GET /v1/ledger/checkpoint: the latest signed checkpoint, as text (shared/audit/read-checkpoint.ts). */
import { makeReadCheckpoint } from '../../shared/audit/read-checkpoint.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';
import { TEXT_PLAIN } from '../http/schemas/common.ts';

export type CheckpointHandlerDeps = HttpDeps & { readonly readCheckpoint: () => Promise<string> };

export function makeCheckpointHandler(deps: CheckpointHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'GET /v1/ledger/checkpoint',
    async () => ({ status: 200, body: await deps.readCheckpoint(), contentType: TEXT_PLAIN }) as const,
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  return makeCheckpointHandler({ ...deps, readCheckpoint: makeReadCheckpoint(deps) });
}

export const handler = lambdaHandler(makeHandler);
