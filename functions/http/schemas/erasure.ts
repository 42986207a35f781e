/** POST /v1/patients/{patientId}/erasure (API.md "Routes"; ARCHITECTURE.md D2 "Erasure"). */
import * as z from 'zod';
import { IdempotencyHeaders, JournalReceipt, PatientParams, type RouteContract } from './common.ts';

export const ErasureResponse = z.object({ entry: JournalReceipt.meta({ description: 'The patient.erased entry' }) });

export const erasePatient = {
  summary: "Erase a patient's records",
  description: "The patient or an admin. Destroys the patient's key (crypto-shredding); afterwards their records answer 410.",
  tags: ['patients'],
  request: { params: PatientParams, headers: IdempotencyHeaders },
  responses: { 200: { description: 'Erased', content: { 'application/json': ErasureResponse } } },
  problems: ['forbidden', 'not-found', 'erased', 'idempotency-key-reused', 'idempotency-in-progress'],
} as const satisfies RouteContract;
