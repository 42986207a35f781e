/** POST /v1/patients/{patientId}/erasure (shared/patients/erase-patient.ts). */
import { requireControl } from '../../shared/consent/control-deps.ts';
import { makeErasePatient, type ErasePatientInput, type ErasePatientResult } from '../../shared/patients/erase-patient.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';

export type ErasePatientHandlerDeps = HttpDeps & { readonly erasePatient: (input: ErasePatientInput) => Promise<ErasePatientResult> };

export function makeErasePatientHandler(deps: ErasePatientHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'POST /v1/patients/{patientId}/erasure',
    async ({ actor, params, headers }) => {
      const erased = await deps.erasePatient({ actor, patientId: params.patientId, idempotencyKey: headers['idempotency-key'] });
      return { status: 200, body: erased } as const;
    },
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  return makeErasePatientHandler({ ...deps, erasePatient: makeErasePatient(requireControl(deps.records)) });
}

export const handler = lambdaHandler(makeHandler);
