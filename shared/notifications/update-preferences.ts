/**
 * PUT /v1/patients/{patientId}/notification-preferences (API.md): the patient replaces their
 * preferences, and gets back those now in force.
 *
 * In order: the syntax (preferences.ts: email, E.164, https webhooks, at most MAX_CHANNELS, no
 * channel twice); the patient-only rule (anyone else's attempt is journaled as a denial); then, in
 * AWS, the webhook hosts' resolved addresses (webhook-target.ts), only after authorization so that
 * no one else can use the API to probe DNS. Nothing is written unless every check passes.
 *
 * Not journaled: preferences are not records and the journal must not hold contact addresses
 * (API.md gives the route no receipt). The notifier reads the new preferences from the next event on.
 */
import type { Actor } from '../access/actor.ts';
import { requireJournalableActor, requireUuid } from '../access/identifiers.ts';
import { requireOwnerOr } from '../consent/control-deps.ts';
import { GoneError, NotFoundError, ValidationError, WebhookTargetRefusedError, type FieldIssue } from '../errors.ts';
import { NotificationPreferencesSchema, type NotificationChannel, type NotificationPreferences } from './preferences.ts';
import type { PreferencesDeps, WebhookPolicy } from './preferences-deps.ts';
import { assertPublicWebhookTarget } from './webhook-target.ts';

export type UpdatePreferencesInput = { readonly actor: Actor; readonly patientId: string; readonly preferences: unknown };

export function makeUpdatePreferences(deps: PreferencesDeps): (input: UpdatePreferencesInput) => Promise<NotificationPreferences> {
  return async function updatePreferences(input) {
    const { actor, patientId } = input;
    requireJournalableActor(actor);
    requireUuid(patientId, 'path.patientId');
    const preferences = validPreferences(input.preferences);
    await requireOwnerOr(deps, { actor, patientId, action: 'notification-preferences.update' });
    await requireAllowedWebhooks(deps.webhookPolicy, preferences.channels);
    const outcome = await deps.preferences.save(patientId, preferences);
    if (outcome === 'no-patient') throw new NotFoundError({ resource: 'patient', id: patientId });
    if (outcome === 'erased') throw new GoneError({ patientId });
    return preferences;
  };
}

/** The preferences, or a ValidationError naming each bad field (zod's messages never echo the value). */
function validPreferences(value: unknown): NotificationPreferences {
  const parsed = NotificationPreferencesSchema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.slice(0, 20).map((issue): FieldIssue => ({ path: fieldPath(issue.path), message: issue.message })));
  }
  // The same address twice on one channel type would be one channel: refuse the ambiguity.
  const seen = new Set<string>();
  const duplicates: FieldIssue[] = [];
  parsed.data.channels.forEach((channel, index) => {
    const key = `${channel.type}:${channel.address}`;
    if (seen.has(key)) duplicates.push({ path: fieldPath(['channels', index]), message: 'is listed twice' });
    seen.add(key);
  });
  if (duplicates.length > 0) throw new ValidationError(duplicates);
  return parsed.data;
}

async function requireAllowedWebhooks(policy: WebhookPolicy, channels: readonly NotificationChannel[]): Promise<void> {
  if (policy.kind === 'any-host') return;
  for (const [index, channel] of channels.entries()) {
    if (channel.type !== 'webhook') continue;
    try {
      await assertPublicWebhookTarget(channel.address, { resolver: policy.resolver });
    } catch {
      // A resolver failure refuses too: a target that cannot be checked is not trusted. The cause
      // is dropped: it names the host and its addresses, which are the patient's data.
      throw new WebhookTargetRefusedError({ path: fieldPath(['channels', index, 'address']) });
    }
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((joined, segment) => (typeof segment === 'number' ? `${joined}[${segment}]` : `${joined}.${String(segment)}`), 'body');
}
