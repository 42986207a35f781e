/**
 * The contract of every route in functions/routes.ts, by route key. The chain validates requests
 * with it (route-handler.ts) and the OpenAPI document is generated from it (openapi.ts), so the
 * docs cannot drift from what the server accepts. A route without a contract does not compile.
 */
import type { RouteKey } from '../../routes.ts';
import { readAccessLog } from './access-log.ts';
import type { RouteContract } from './common.ts';
import { grantConsent, listConsents, revokeConsent } from './consents.ts';
import { erasePatient } from './erasure.ts';
import { getCheckpoint, getConsistencyProof, getLedgerEntry, getVerifierKey } from './ledger.ts';
import { readNotificationPreferences, updateNotificationPreferences } from './notification-preferences.ts';
import { getOpenApi } from './openapi.ts';
import { registerPatient } from './patients.ts';
import { createRecord, listRecords, readRecord, readRecordHistory, updateRecord } from './records.ts';

export const contracts = {
  'POST /v1/patients': registerPatient,
  'POST /v1/patients/{patientId}/records': createRecord,
  'GET /v1/patients/{patientId}/records': listRecords,
  'GET /v1/patients/{patientId}/records/{recordId}': readRecord,
  'PUT /v1/patients/{patientId}/records/{recordId}': updateRecord,
  'GET /v1/patients/{patientId}/records/{recordId}/history': readRecordHistory,
  'POST /v1/patients/{patientId}/consents': grantConsent,
  'GET /v1/patients/{patientId}/consents': listConsents,
  'DELETE /v1/patients/{patientId}/consents/{consentId}': revokeConsent,
  'GET /v1/patients/{patientId}/access-log': readAccessLog,
  'GET /v1/patients/{patientId}/notification-preferences': readNotificationPreferences,
  'PUT /v1/patients/{patientId}/notification-preferences': updateNotificationPreferences,
  'POST /v1/patients/{patientId}/erasure': erasePatient,
  'GET /v1/ledger/checkpoint': getCheckpoint,
  'GET /v1/ledger/key': getVerifierKey,
  'GET /v1/ledger/entries/{index}': getLedgerEntry,
  'GET /v1/ledger/consistency': getConsistencyProof,
  'GET /v1/openapi.json': getOpenApi,
} as const satisfies Record<RouteKey, RouteContract>;

export type Contracts = typeof contracts;
