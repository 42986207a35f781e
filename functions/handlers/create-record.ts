/** POST /v1/patients/{patientId}/records (shared/records/create-record.ts). */
import { makeCreateRecord, type CreateRecordInput, type CreateRecordResult } from '../../shared/records/create-record.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';

export type CreateRecordHandlerDeps = HttpDeps & { readonly createRecord: (input: CreateRecordInput) => Promise<CreateRecordResult> };

export function makeCreateRecordHandler(deps: CreateRecordHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'POST /v1/patients/{patientId}/records',
    async ({ actor, params, headers, body }) => {
      const created = await deps.createRecord({
        actor,
        patientId: params.patientId,
        resource: body.resource,
        category: body.category,
        idempotencyKey: headers['idempotency-key'],
      });
      return { status: 201, body: created } as const;
    },
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  return makeCreateRecordHandler({ ...deps, createRecord: makeCreateRecord(deps.records) });
}

export const handler = lambdaHandler(makeHandler);
