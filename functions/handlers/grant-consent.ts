/** POST /v1/patients/{patientId}/consents (shared/consent/grant-consent.ts). */
import { requireControl } from '../../shared/consent/control-deps.ts';
import { makeGrantConsent, type GrantConsentInput, type GrantConsentResult } from '../../shared/consent/grant-consent.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';

export type GrantConsentHandlerDeps = HttpDeps & { readonly grantConsent: (input: GrantConsentInput) => Promise<GrantConsentResult> };

export function makeGrantConsentHandler(deps: GrantConsentHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'POST /v1/patients/{patientId}/consents',
    async ({ actor, params, headers, body }) => {
      const granted = await deps.grantConsent({ actor, patientId: params.patientId, ...body, idempotencyKey: headers['idempotency-key'] });
      return { status: 201, body: granted } as const;
    },
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  return makeGrantConsentHandler({ ...deps, grantConsent: makeGrantConsent(requireControl(deps.records)) });
}

export const handler = lambdaHandler(makeHandler);
