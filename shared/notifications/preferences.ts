/**
 * A patient's notification preferences (API.md PUT /v1/patients/{patientId}/notification-preferences;
 * ARCHITECTURE.md D5): where to send alerts, and whether to send each at once or as a digest.
 *
 * Only the syntax is checked here. Whether a webhook URL may be called at all (it must not reach
 * into the deployment's network) depends on DNS and the deployment mode: see webhook-target.ts.
 */
import * as z from 'zod';

export const MAX_CHANNELS = 5;
export const MAX_WEBHOOK_URL_LENGTH = 2048;

export const EmailAddressSchema = z.email().max(254);

/** E.164: "+", a country code that does not start with 0, at most 15 digits in all. */
export const E164Schema = z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 phone number such as +14155550123');

/** An https URL without credentials or fragment; whether its host may be called is webhook-target.ts's question. */
export const WebhookUrlSchema = z
  .string()
  .max(MAX_WEBHOOK_URL_LENGTH)
  .superRefine((text, context) => {
    const problem = webhookUrlSyntaxProblem(text);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });

export const NotificationChannelSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('email'), address: EmailAddressSchema }),
  z.strictObject({ type: z.literal('sms'), address: E164Schema }),
  z.strictObject({ type: z.literal('webhook'), address: WebhookUrlSchema }),
]);

export const NotificationPreferencesSchema = z.strictObject({
  // An empty list is a patient's choice to receive nothing.
  channels: z.array(NotificationChannelSchema).max(MAX_CHANNELS),
  mode: z.enum(['immediate', 'digest']),
});

export type NotificationChannel = z.infer<typeof NotificationChannelSchema>;
export type NotificationChannelType = NotificationChannel['type'];
export type NotificationPreferences = z.infer<typeof NotificationPreferencesSchema>;
export type NotificationMode = NotificationPreferences['mode'];

/**
 * Why `text` is not an acceptable webhook URL, or undefined. Only https (the body is signed but not
 * encrypted), no credentials in the URL (they would be stored and logged), no fragment.
 */
export function webhookUrlSyntaxProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:') return `must use https, got ${url.protocol.replace(/:$/, '')}`;
  if (url.username !== '' || url.password !== '') return 'must not hold credentials';
  if (url.hash !== '') return 'must not have a fragment';
  return undefined;
}
