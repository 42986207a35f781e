/** PUT /v1/patients/{patientId}/records/{recordId} (shared/records/update-record.ts). */
import { makeUpdateRecord, type UpdateRecordInput, type UpdateRecordResult } from '../../shared/records/update-record.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';

export type UpdateRecordHandlerDeps = HttpDeps & { readonly updateRecord: (input: UpdateRecordInput) => Promise<UpdateRecordResult> };

export function makeUpdateRecordHandler(deps: UpdateRecordHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'PUT /v1/patients/{patientId}/records/{recordId}',
    async ({ actor, params, headers, body }) => {
      const updated = await deps.updateRecord({
        actor,
        patientId: params.patientId,
        recordId: params.recordId,
        ifMatch: headers['if-match'],
        resource: body.resource,
        category: body.category,
      });
      return { status: 200, body: updated } as const;
    },
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  return makeUpdateRecordHandler({ ...deps, updateRecord: makeUpdateRecord(deps.records) });
}

export const handler = lambdaHandler(makeHandler);
