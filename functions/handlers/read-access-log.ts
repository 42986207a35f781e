/** GET /v1/patients/{patientId}/access-log[?format=fhir] (shared/audit/read-access-log.ts, fhir-audit-event.ts). */
import { auditEventBundle } from '../../shared/audit/fhir-audit-event.ts';
import { makeReadAccessLog, type ReadAccessLogInput, type ReadAccessLogResult } from '../../shared/audit/read-access-log.ts';
import { requireControl } from '../../shared/consent/control-deps.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';
import { FHIR_JSON } from '../http/schemas/common.ts';

export type ReadAccessLogHandlerDeps = HttpDeps & { readonly readAccessLog: (input: ReadAccessLogInput) => Promise<ReadAccessLogResult> };

export function makeReadAccessLogHandler(deps: ReadAccessLogHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'GET /v1/patients/{patientId}/access-log',
    async ({ actor, params, query }) => {
      const log = await deps.readAccessLog({ actor, patientId: params.patientId, since: query.since, until: query.until, limit: query.limit, cursor: query.cursor });
      if (query.format !== 'fhir') return { status: 200, body: log } as const;
      // A Bundle's own `entry` is FHIR's: this read's receipt and the next page travel in headers.
      const headers: Record<string, string> = {
        'chartproof-entry-index': String(log.entry.index),
        'chartproof-entry-leaf-hash': log.entry.leafHash,
        ...(log.next === undefined ? {} : { 'chartproof-next-cursor': log.next }),
      };
      return { status: 200, contentType: FHIR_JSON, headers, body: auditEventBundle(log.items, { patientId: params.patientId }) as never } as const;
    },
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  return makeReadAccessLogHandler({ ...deps, readAccessLog: makeReadAccessLog({ ...requireControl(deps.records), ledger: deps.journal }) });
}

export const handler = lambdaHandler(makeHandler);
