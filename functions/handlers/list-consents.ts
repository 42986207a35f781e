/** GET /v1/patients/{patientId}/consents[?format=fhir] (shared/consent/list-consents.ts, fhir-consent.ts). */
import { requireControl } from '../../shared/consent/control-deps.ts';
import { consentBundle } from '../../shared/consent/fhir-consent.ts';
import { makeListConsents, type ListConsentsInput, type ListConsentsResult } from '../../shared/consent/list-consents.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';
import { FHIR_JSON } from '../http/schemas/common.ts';

export type ListConsentsHandlerDeps = HttpDeps & {
  readonly listConsents: (input: ListConsentsInput) => Promise<ListConsentsResult>;
  readonly clock: () => Date;
};

export function makeListConsentsHandler(deps: ListConsentsHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'GET /v1/patients/{patientId}/consents',
    async ({ actor, params, query }) => {
      const listed = await deps.listConsents({ actor, patientId: params.patientId });
      if (query.format !== 'fhir') return { status: 200, body: listed } as const;
      const bundle = consentBundle(listed.items, { patientId: params.patientId, at: deps.clock() });
      return { status: 200, contentType: FHIR_JSON, body: bundle as never } as const;
    },
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  return makeListConsentsHandler({ ...deps, clock: deps.records.clock, listConsents: makeListConsents(requireControl(deps.records)) });
}

export const handler = lambdaHandler(makeHandler);
