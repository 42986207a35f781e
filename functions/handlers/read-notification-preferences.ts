/** GET /v1/patients/{patientId}/notification-preferences (shared/notifications/read-preferences.ts). */
import { requireControl } from '../../shared/consent/control-deps.ts';
import type { NotificationPreferences } from '../../shared/notifications/preferences.ts';
import { makeReadPreferences, type ReadPreferencesInput } from '../../shared/notifications/read-preferences.ts';
import type { ApiDeps } from '../api-deps.ts';
import { lambdaHandler } from '../aws/lambda-handler.ts';
import type { ApiGatewayHandler, HttpDeps } from '../http/chain.ts';
import { routeHandler } from '../http/route-handler.ts';

export type ReadNotificationPreferencesHandlerDeps = HttpDeps & {
  readonly readPreferences: (input: ReadPreferencesInput) => Promise<NotificationPreferences>;
};

export function makeReadNotificationPreferencesHandler(deps: ReadNotificationPreferencesHandlerDeps): ApiGatewayHandler {
  return routeHandler(
    'GET /v1/patients/{patientId}/notification-preferences',
    async ({ actor, params }) => {
      const preferences = await deps.readPreferences({ actor, patientId: params.patientId });
      return { status: 200, body: preferences } as const;
    },
    deps,
  );
}

export function makeHandler(deps: ApiDeps): ApiGatewayHandler {
  const readPreferences = makeReadPreferences({ ...requireControl(deps.records), preferences: deps.notifications.preferences });
  return makeReadNotificationPreferencesHandler({ ...deps, readPreferences });
}

export const handler = lambdaHandler(makeHandler);
