/**
 * Migration 20: the projections of patient control (ARCHITECTURE.md D1 "Storage", D3;
 * shared/ports/patient-control.ts).
 *
 * Ordinary tables, each row written in the same transaction as its journal entry:
 * - consents: one row per grant; `revoked_at` set by its revocation. The policy reads the
 *   unrevoked consents of one (patient, grantee), hence the partial index.
 * - access_index: one row per access to a patient's data (read, listing, denial, break-glass,
 *   access-log read), in insertion order (`seq`). The access log pages through it by
 *   (patient_id, at, seq); break-glass windows are found by (patient_id, actor_id, at). The
 *   break-glass reason text lives only here (the journal holds its hash), and erasure clears it.
 *
 * Numbered 20 to leave 11..19 to the records projections. `{{runtime}}` is the runtime role.
 */
export const patientControlMigration = {
  version: 20,
  name: 'patient-control',
  sql: String.raw`
CREATE TABLE chartproof.consents (
  patient_id    uuid        NOT NULL REFERENCES chartproof.patients (patient_id),
  consent_id    uuid        NOT NULL,
  grantee       text        NOT NULL CHECK (grantee ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
  scope         jsonb       NOT NULL,
  purpose       text        CHECK (purpose ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  granted_at    timestamptz NOT NULL,
  expires_at    timestamptz,
  revoked_at    timestamptz,
  leaf_hash     bytea       NOT NULL CHECK (octet_length(leaf_hash) = 32),
  journal_index bigint      CHECK (journal_index >= 0),
  PRIMARY KEY (patient_id, consent_id)
);

CREATE INDEX consents_unrevoked ON chartproof.consents (patient_id, grantee) WHERE revoked_at IS NULL;

CREATE TABLE chartproof.access_index (
  seq           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  patient_id    uuid        NOT NULL,
  at            timestamptz NOT NULL,
  actor_id      text        NOT NULL,
  actor_role    text        NOT NULL,
  action        text        NOT NULL,
  outcome       text        NOT NULL CHECK (outcome IN ('permit', 'deny', 'break-glass')),
  record_ids    text[]      NOT NULL,
  reason        text        CHECK (char_length(reason) <= 500),
  leaf_hash     bytea       NOT NULL CHECK (octet_length(leaf_hash) = 32),
  journal_index bigint      CHECK (journal_index >= 0)
);

CREATE INDEX access_index_by_patient ON chartproof.access_index (patient_id, at, seq);
CREATE INDEX access_index_break_glass ON chartproof.access_index (patient_id, actor_id, at) WHERE outcome = 'break-glass';
-- The rows whose receipts a crash left incomplete: normally none, so the index stays tiny.
CREATE INDEX access_index_missing_index ON chartproof.access_index (seq) WHERE journal_index IS NULL;

GRANT SELECT, INSERT, UPDATE ON chartproof.consents, chartproof.access_index TO {{runtime}};
`,
} as const;
