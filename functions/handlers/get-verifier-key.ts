/** GET /v1/ledger/key: the log's verifier key (C2SP vkey), as text. */
import { makeReadVerifierKey } from '../../shared/audit/read-checkpoint.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';
import { TEXT_PLAIN } from '../http/schemas/common.ts';

export type VerifierKeyHandlerDeps = HttpDeps & { readonly readVerifierKey: () => Promise<string> };

export function makeVerifierKeyHandler(deps: VerifierKeyHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'GET /v1/ledger/key',
    async () => ({ status: 200, body: await deps.readVerifierKey(), contentType: TEXT_PLAIN }) as const,
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  return makeVerifierKeyHandler({ ...deps, readVerifierKey: makeReadVerifierKey(deps) });
}

export const handler = lambdaHandler(makeHandler);
