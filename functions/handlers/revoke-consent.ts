/** DELETE /v1/patients/{patientId}/consents/{consentId} (shared/consent/revoke-consent.ts). */
import { requireControl } from '../../shared/consent/control-deps.ts';
import { makeRevokeConsent, type RevokeConsentInput, type RevokeConsentResult } from '../../shared/consent/revoke-consent.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';

export type RevokeConsentHandlerDeps = HttpDeps & { readonly revokeConsent: (input: RevokeConsentInput) => Promise<RevokeConsentResult> };

export function makeRevokeConsentHandler(deps: RevokeConsentHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'DELETE /v1/patients/{patientId}/consents/{consentId}',
    async ({ actor, params }) => {
      const revoked = await deps.revokeConsent({ actor, patientId: params.patientId, consentId: params.consentId });
      return { status: 200, body: revoked } as const;
    },
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  return makeRevokeConsentHandler({ ...deps, revokeConsent: makeRevokeConsent(requireControl(deps.records)) });
}

export const handler = lambdaHandler(makeHandler);
