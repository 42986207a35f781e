/** GET and PUT /v1/patients/{patientId}/notification-preferences (API.md "Routes"). */
import * as z from 'zod';
import { PatientParams, type RouteContract } from './common.ts';

const MAX_CHANNELS = 10;

export const NotificationChannel = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('email'), address: z.email().max(254) }),
    z.strictObject({ type: z.literal('sms'), address: z.e164().meta({ description: 'E.164, e.g. +15555550123' }) }),
    z.strictObject({
      type: z.literal('webhook'),
      address: z.url({ protocol: /^https$/, hostname: z.regexes.domain }).max(2048).meta({ description: 'An https URL' }),
    }),
  ])
  .meta({ id: 'NotificationChannel' });

export const NotificationPreferences = z
  .strictObject({
    channels: z.array(NotificationChannel).max(MAX_CHANNELS),
    mode: z.enum(['immediate', 'digest']).meta({
      description: 'digest coalesces routine alerts; break-glass, denials and integrity failures are always immediate',
    }),
  })
  .meta({ id: 'NotificationPreferences' });

export const readNotificationPreferences = {
  summary: "Read a patient's notification preferences",
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
  problems: ['forbidden', 'not-found', 'erased'],
} as const satisfies RouteContract;
