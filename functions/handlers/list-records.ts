/** GET /v1/patients/{patientId}/records (shared/records/list-records.ts). */
import { makeListRecords, type ListRecordsInput, type ListRecordsResult } from '../../shared/records/list-records.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';

export type ListRecordsHandlerDeps = HttpDeps & { readonly listRecords: (input: ListRecordsInput) => Promise<ListRecordsResult> };

export function makeListRecordsHandler(deps: ListRecordsHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'GET /v1/patients/{patientId}/records',
    async ({ actor, params, query }) => {
      const page = await deps.listRecords({ actor, patientId: params.patientId, limit: query.limit, cursor: query.cursor });
      return { status: 200, body: page } as const;
    },
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  return makeListRecordsHandler({ ...deps, listRecords: makeListRecords(deps.records) });
}

export const handler = lambdaHandler(makeHandler);
