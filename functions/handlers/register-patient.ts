/** POST /v1/patients: an admin registers a patient (shared/patients/register-patient.ts). */
import { makeRegisterPatient, type RegisterPatientInput, type RegisterPatientResult } from '../../shared/patients/register-patient.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';

export type RegisterPatientHandlerDeps = HttpDeps & { readonly registerPatient: (input: RegisterPatientInput) => Promise<RegisterPatientResult> };

export function makeRegisterPatientHandler(deps: RegisterPatientHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'POST /v1/patients',
    async ({ actor, headers, body }) => {
      const registered = await deps.registerPatient({ actor, externalRef: body.externalRef, idempotencyKey: headers['idempotency-key'] });
      return { status: 201, body: registered } as const;
    },
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  return makeRegisterPatientHandler({ ...deps, registerPatient: makeRegisterPatient(deps.records) });
}

export const handler = lambdaHandler(makeHandler);
