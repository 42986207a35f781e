/** POST /v1/patients (API.md "Routes"). */
import * as z from 'zod';
import { IdempotencyHeaders, Identifier, JournalReceipt, type RouteContract } from './common.ts';

export const RegisterPatientRequest = z
  .strictObject({
    externalRef: Identifier.optional().meta({ description: "The patient's identifier in the organization's own systems; never a name" }),
  })
  .default({})
  .meta({ description: 'No names and no PHI: the patient is known here only by identifiers' });

export const RegisterPatientResponse = z.object({ patientId: Identifier, entry: JournalReceipt });

export const registerPatient = {
  summary: 'Register a patient',
  description: 'Admins only. Creates the patient and their encryption key, and journals patient.registered.',
  tags: ['patients'],
  request: { headers: IdempotencyHeaders, body: RegisterPatientRequest },
  responses: { 201: { description: 'Registered', content: { 'application/json': RegisterPatientResponse } } },
  problems: ['forbidden', 'idempotency-key-reused', 'idempotency-in-progress'],
} as const satisfies RouteContract;
