/** GET /v1/ledger/consistency?from&to: a consistency proof (shared/audit/read-consistency-proof.ts). */
import {
  makeReadConsistencyProof,
  type ConsistencyProofResult,
  type ReadConsistencyProofInput,
} from '../../shared/audit/read-consistency-proof.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';

export type ConsistencyProofHandlerDeps = HttpDeps & {
  readonly readConsistencyProof: (input: ReadConsistencyProofInput) => Promise<ConsistencyProofResult>;
};

export function makeConsistencyProofHandler(deps: ConsistencyProofHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'GET /v1/ledger/consistency',
    async ({ query }) => ({ status: 200, body: await deps.readConsistencyProof({ from: query.from, to: query.to }) }) as const,
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  return makeConsistencyProofHandler({ ...deps, readConsistencyProof: makeReadConsistencyProof(deps) });
}

export const handler = lambdaHandler(makeHandler);
