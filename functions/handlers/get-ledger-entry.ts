/** GET /v1/ledger/entries/{index}: an entry with its inclusion proof (shared/audit/read-entry-proof.ts). */
import { makeReadEntryProof, type EntryProofResult, type ReadEntryProofInput } from '../../shared/audit/read-entry-proof.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';

export type LedgerEntryHandlerDeps = HttpDeps & { readonly readEntryProof: (input: ReadEntryProofInput) => Promise<EntryProofResult> };

export function makeLedgerEntryHandler(deps: LedgerEntryHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'GET /v1/ledger/entries/{index}',
    async ({ actor, params, query }) => {
      const proven = await deps.readEntryProof({ actor, index: params.index, treeSize: query.treeSize });
      return { status: 200, body: proven } as const;
    },
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  return makeLedgerEntryHandler({ ...deps, readEntryProof: makeReadEntryProof({ ...deps, denials: deps.records }) });
}

export const handler = lambdaHandler(makeHandler);
