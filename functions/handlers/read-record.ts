/**
 * GET /v1/patients/{patientId}/records/{recordId} (shared/records/read-record.ts), with
 * X-Break-Glass-Reason for a practitioner's break-glass read.
 */
import { makeReadRecord, type ReadRecordInput, type ReadRecordResult } from '../../shared/records/read-record.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';

export type ReadRecordHandlerDeps = HttpDeps & { readonly readRecord: (input: ReadRecordInput) => Promise<ReadRecordResult> };

export function makeReadRecordHandler(deps: ReadRecordHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'GET /v1/patients/{patientId}/records/{recordId}',
    async ({ actor, params, query, headers }) => {
      const read = await deps.readRecord({
        actor,
        patientId: params.patientId,
        recordId: params.recordId,
        version: query.version,
        breakGlassReason: headers['x-break-glass-reason'],
      });
      return { status: 200, body: read } as const;
    },
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  return makeReadRecordHandler({ ...deps, readRecord: makeReadRecord(deps.records) });
}

export const handler = lambdaHandler(makeHandler);
