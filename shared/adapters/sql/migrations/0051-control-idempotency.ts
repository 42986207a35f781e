/**
 * Migration 51: Idempotency-Key for patient control's POSTs (API.md "Idempotency"): a consent
 * grant and an erasure replayed with the same key and body answer as the first time.
 *
 * Their claims go in the same idempotency_keys table as the records routes' (migration 10), with
 * what rebuilding their responses needs and the records routes' claims lack:
 * - consent_id: the consent a grant created;
 * - entry_leaf_hash, entry_index: the receipt of the entry the request journaled
 *   (`consent.granted` or `patient.erased`); an erasure's receipt is kept nowhere else. The leaf
 *   hash is written with the claim, in the request's transaction; the index once the journal has
 *   integrated the entry, as for every projection row.
 */
export const controlIdempotencyMigration = {
  version: 51,
  name: 'control-idempotency',
  sql: String.raw`
ALTER TABLE chartproof.idempotency_keys
  ADD COLUMN consent_id      uuid,
  ADD COLUMN entry_leaf_hash bytea  CHECK (octet_length(entry_leaf_hash) = 32),
  ADD COLUMN entry_index     bigint CHECK (entry_index >= 0);
`,
} as const;
