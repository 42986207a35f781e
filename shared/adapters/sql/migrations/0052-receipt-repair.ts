/**
 * Migration 52: finding the consents and the control claims whose receipts a crash left without a
 * journal index (shared/audit/repair-receipts.ts), as migrations 10 and 20 did for patients,
 * records and access rows. Such rows are rare and short-lived, so the partial indexes stay empty
 * and the repair's lookups cost nothing when there is nothing to repair.
 */
export const receiptRepairMigration = {
  version: 52,
  name: 'receipt-repair',
  sql: String.raw`
CREATE INDEX consents_missing_index ON chartproof.consents (patient_id, consent_id) WHERE journal_index IS NULL;
CREATE INDEX idempotency_keys_missing_index ON chartproof.idempotency_keys (actor_id, route, key)
  WHERE entry_leaf_hash IS NOT NULL AND entry_index IS NULL;
`,
} as const;
