/**
 * GET /v1/patients/{patientId}/notification-preferences (API.md): the patient's own preferences.
 * Only the patient may read them (they hold the patient's contact addresses); anyone else's attempt
 * is journaled as a denial. Reading is not an access to records, so a permitted read journals nothing.
 *
 * A patient who never saved any gets the default: no channels, immediate mode (so nothing is sent
 * until they choose a channel). So does an erased patient, whose preferences the erasure deleted.
 */
import type { Actor } from '../access/actor.ts';
import { requireJournalableActor, requireUuid } from '../access/identifiers.ts';
import { requireOwnerOr } from '../consent/control-deps.ts';
import { NotFoundError } from '../errors.ts';
import type { NotificationPreferences } from './preferences.ts';
import type { PreferencesDeps } from './preferences-deps.ts';

export type ReadPreferencesInput = { readonly actor: Actor; readonly patientId: string };

/** What a patient who never saved preferences has. */
export function defaultPreferences(): NotificationPreferences {
  return { channels: [], mode: 'immediate' };
}

export function makeReadPreferences(deps: Omit<PreferencesDeps, 'webhookPolicy'>): (input: ReadPreferencesInput) => Promise<NotificationPreferences> {
  return async function readPreferences(input) {
    const { actor, patientId } = input;
    requireJournalableActor(actor);
    requireUuid(patientId, 'path.patientId');
    await requireOwnerOr(deps, { actor, patientId, action: 'notification-preferences.read' });
    if ((await deps.projection.patient(patientId)) === undefined) throw new NotFoundError({ resource: 'patient', id: patientId });
    return (await deps.preferences.read(patientId)) ?? defaultPreferences();
  };
}
