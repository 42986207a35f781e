/**
 * What the notification-preferences use cases are built over (API.md
 * /v1/patients/{patientId}/notification-preferences): patient control, for the patient-only rule
 * and its journaled denials, the preferences store, and the deployment's webhook policy.
 */
import type { ControlDeps } from '../consent/control-deps.ts';
import type { NotificationPreferencesStore } from '../ports/notifications.ts';
import type { HostResolver } from './webhook-target.ts';

/**
 * Which webhook hosts a patient may save, set by the composition root:
 * - `any-host` (local): the syntax rules only (https, no credentials), so a receiver on the
 *   developer's machine or network can be used;
 * - `public-only` (AWS, where the notifier runs inside the VPC): every address the host resolves
 *   to must be public (webhook-target.ts), or the save is refused (SSRF).
 */
export type WebhookPolicy = { readonly kind: 'any-host' } | { readonly kind: 'public-only'; readonly resolver: HostResolver };

export type PreferencesDeps = ControlDeps & {
  readonly preferences: NotificationPreferencesStore;
  readonly webhookPolicy: WebhookPolicy;
};
