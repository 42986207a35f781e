/**
 * What each handler module may touch in AWS: the source of every grant its function gets, so that
 * a handler gets nothing it does not need. A route whose module is missing from this table fails
 * the synthesis (no default grants).
 *
 * Every API handler builds the AWS composition root (functions/aws/compose.ts) on its cold start,
 * which connects to the database and reads the checkpoint verifier key; the rest is per use case.
 */
import type { PatientKeyUse } from './constructs/keys.ts';

export type HandlerNeeds = {
  /** Connects to the database as the runtime role (IAM authentication). */
  readonly database: boolean;
  /** kms:GetPublicKey on the signing key. */
  readonly verifierKey: boolean;
  /** kms:Sign on the signing key: the handler may sign a checkpoint. */
  readonly checkpointSigning?: boolean;
  /** The records key with encryption context {patientId}: create and/or unwrap patient keys. */
  readonly patientKeys?: readonly PatientKeyUse[];
  /** Record ciphertexts in the records bucket. */
  readonly recordObjects?: { readonly read?: boolean; readonly write?: boolean };
  /** events:PutEvents on the Chartproof bus. */
  readonly publishesEvents?: boolean;
};

const COMPOSITION_ROOT = { database: true, verifierKey: true } as const;

/**
 * Handlers whose use cases journal (an access, a change, or a refusal: D3 journals denials too)
 * publish the entries' domain events right after commit (ARCHITECTURE.md D4).
 */
const JOURNALING = { ...COMPOSITION_ROOT, publishesEvents: true } as const;

export const HANDLER_NEEDS: Readonly<Record<string, HandlerNeeds>> = {
  'functions/handlers/register-patient.ts': { ...JOURNALING, patientKeys: ['generate'] },
  'functions/handlers/create-record.ts': { ...JOURNALING, patientKeys: ['decrypt'], recordObjects: { write: true } },
  'functions/handlers/list-records.ts': { ...JOURNALING },
  'functions/handlers/read-record.ts': { ...JOURNALING, patientKeys: ['decrypt'], recordObjects: { read: true } },
  'functions/handlers/update-record.ts': { ...JOURNALING, patientKeys: ['decrypt'], recordObjects: { write: true } },
  'functions/handlers/read-record-history.ts': { ...JOURNALING },
  'functions/handlers/grant-consent.ts': { ...JOURNALING },
  'functions/handlers/list-consents.ts': { ...JOURNALING },
  'functions/handlers/revoke-consent.ts': { ...JOURNALING },
  'functions/handlers/read-access-log.ts': { ...JOURNALING },
  'functions/handlers/read-notification-preferences.ts': { ...JOURNALING },
  'functions/handlers/update-notification-preferences.ts': { ...JOURNALING },
  // Erasure destroys the wrapped patient key in the database: no KMS call.
  'functions/handlers/erase-patient.ts': { ...JOURNALING },
  // Signs a checkpoint when none exists yet (shared/audit/read-checkpoint.ts).
  'functions/handlers/get-checkpoint.ts': { ...COMPOSITION_ROOT, checkpointSigning: true },
  'functions/handlers/get-verifier-key.ts': { ...COMPOSITION_ROOT },
  // Signs a checkpoint covering the entry when the latest one does not (shared/audit/read-entry-proof.ts).
  'functions/handlers/get-ledger-entry.ts': { ...JOURNALING, checkpointSigning: true },
  'functions/handlers/get-consistency-proof.ts': { ...COMPOSITION_ROOT },
  'functions/handlers/get-openapi.ts': { ...COMPOSITION_ROOT },
};

/** The needs of `handler`; throws for a module the table does not list. */
export function handlerNeeds(handler: string): HandlerNeeds {
  const needs = HANDLER_NEEDS[handler];
  if (needs === undefined) {
    throw new Error(`no entry for ${handler} in infra/handler-needs.ts: list what it may touch before it can be deployed`);
  }
  return needs;
}
