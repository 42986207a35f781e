/** GET /v1/patients/{patientId}/records/{recordId}/history (shared/records/record-history.ts). */
import { makeRecordHistory, type RecordHistoryInput, type RecordHistoryResult } from '../../shared/records/record-history.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';

export type RecordHistoryHandlerDeps = HttpDeps & { readonly recordHistory: (input: RecordHistoryInput) => Promise<RecordHistoryResult> };

export function makeRecordHistoryHandler(deps: RecordHistoryHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'GET /v1/patients/{patientId}/records/{recordId}/history',
    async ({ actor, params }) => {
      const history = await deps.recordHistory({ actor, patientId: params.patientId, recordId: params.recordId });
      return { status: 200, body: history } as const;
    },
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  return makeRecordHistoryHandler({ ...deps, recordHistory: makeRecordHistory(deps.records) });
}

export const handler = lambdaHandler(makeHandler);
