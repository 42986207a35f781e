/** PUT /v1/patients/{patientId}/notification-preferences (shared/notifications/update-preferences.ts). */
import { requireControl } from '../../shared/consent/control-deps.ts';
import type { NotificationPreferences } from '../../shared/notifications/preferences.ts';
import { makeUpdatePreferences, type UpdatePreferencesInput } from '../../shared/notifications/update-preferences.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';

export type UpdateNotificationPreferencesHandlerDeps = HttpDeps & {
  readonly updatePreferences: (input: UpdatePreferencesInput) => Promise<NotificationPreferences>;
};

export function makeUpdateNotificationPreferencesHandler(deps: UpdateNotificationPreferencesHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'PUT /v1/patients/{patientId}/notification-preferences',
    async ({ actor, params, body }) => {
      const preferences = await deps.updatePreferences({ actor, patientId: params.patientId, preferences: body });
      return { status: 200, body: preferences } as const;
    },
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  const updatePreferences = makeUpdatePreferences({ ...requireControl(deps.records), ...deps.notifications });
  return makeUpdateNotificationPreferencesHandler({ ...deps, updatePreferences });
}

export const handler = lambdaHandler(makeHandler);
