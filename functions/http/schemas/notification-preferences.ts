/**
 * GET and PUT /v1/patients/{patientId}/notification-preferences (API.md "Routes"). Built from the
 * domain's field schemas (shared/notifications/preferences.ts), so the HTTP layer, the OpenAPI
 * document and the use case accept exactly the same preferences.
 */
import * as z from 'zod';
import { E164Schema, EmailAddressSchema, MAX_CHANNELS, WebhookUrlSchema } from '../../../shared/notifications/preferences.ts';
import { PatientParams, type RouteContract } from './common.ts';

export const NotificationChannel = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('email'), address: EmailAddressSchema }),
    z.strictObject({ type: z.literal('sms'), address: E164Schema.meta({ description: 'E.164, e.g. +14155550123' }) }),
    z.strictObject({
      type: z.literal('webhook'),
      address: WebhookUrlSchema.meta({
        description: 'An https URL without credentials or fragment. In AWS, its host must resolve only to public addresses (else 422 webhook-target-refused).',
      }),
    }),
  ])
  .meta({ id: 'NotificationChannel' });

export const NotificationPreferences = z
  .strictObject({
    channels: z.array(NotificationChannel).max(MAX_CHANNELS).meta({ description: 'Where alerts go; empty: nowhere. Each channel at most once.' }),
    mode: z.enum(['immediate', 'digest']).meta({
      description: 'digest coalesces routine alerts; break-glass, denials and integrity failures are always immediate',
    }),
  })
  .meta({ id: 'NotificationPreferences' });

export const readNotificationPreferences = {
  summary: "Read a patient's notification preferences",
  description: 'A patient who never saved any has {"channels": [], "mode": "immediate"}: nothing is sent.',
  tags: ['notifications'],
  request: { params: PatientParams },
  responses: { 200: { description: 'The preferences', content: { 'application/json': NotificationPreferences } } },
  problems: ['forbidden', 'not-found'],
} as const satisfies RouteContract;

export const updateNotificationPreferences = {
  summary: "Replace a patient's notification preferences",
  tags: ['notifications'],
  request: { params: PatientParams, body: NotificationPreferences },
  responses: { 200: { description: 'The preferences now in force', content: { 'application/json': NotificationPreferences } } },
  problems: ['forbidden', 'not-found', 'erased', 'webhook-target-refused'],
} as const satisfies RouteContract;
