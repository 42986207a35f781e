/**
 * Migration 10: the records API's projections (ARCHITECTURE.md D1 "Storage"; shared/ports/records-projection.ts).
 *
 * Ordinary tables, not journal tables: UPDATE and DELETE are allowed (erasure destroys wrapped
 * keys, receipts are completed after commit, old idempotency keys can be pruned), and every row
 * can be rebuilt from the journal. Each row is written in the same transaction as its entry.
 *
 * - patients: one row per registered patient, with the KMS-wrapped patient key (NULL once erased).
 * - records: one row per record VERSION; the current version of a record is its highest version.
 * - idempotency_keys: which (actor, route, key) produced which patient/record, and the hash of the
 *   request it was used for.
 *
 * Numbered 10 to leave 2..9 to the journal's own migrations. `{{runtime}}` is the runtime role.
 */
export const recordsMigration = {
  version: 10,
  name: 'records',
  sql: String.raw`
CREATE TABLE chartproof.patients (
  patient_id    uuid        PRIMARY KEY,
  external_ref  text        CHECK (external_ref ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
  wrapped_key   bytea,
  registered_at timestamptz NOT NULL,
  erased_at     timestamptz,
  leaf_hash     bytea       NOT NULL CHECK (octet_length(leaf_hash) = 32),
  journal_index bigint      CHECK (journal_index >= 0),
  CHECK ((erased_at IS NULL) = (wrapped_key IS NOT NULL))
);

CREATE TABLE chartproof.records (
  patient_id    uuid        NOT NULL REFERENCES chartproof.patients (patient_id),
  record_id     uuid        NOT NULL,
  version       integer     NOT NULL CHECK (version >= 1),
  category      text        CHECK (category ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  resource_type text        NOT NULL CHECK (resource_type ~ '^[A-Z][A-Za-z]+$'),
  sha256        bytea       NOT NULL CHECK (octet_length(sha256) = 32),
  object_key    text        NOT NULL,
  created_at    timestamptz NOT NULL,
  created_by    text        NOT NULL,
  leaf_hash     bytea       NOT NULL CHECK (octet_length(leaf_hash) = 32),
  journal_index bigint      CHECK (journal_index >= 0),
  PRIMARY KEY (patient_id, record_id, version)
);

-- The rows whose receipts a crash left incomplete: normally none, so the index stays tiny.
CREATE INDEX patients_missing_index ON chartproof.patients (patient_id) WHERE journal_index IS NULL;
CREATE INDEX records_missing_index ON chartproof.records (patient_id, record_id, version) WHERE journal_index IS NULL;

CREATE TABLE chartproof.idempotency_keys (
  actor_id       text        NOT NULL,
  route          text        NOT NULL,
  key            text        NOT NULL,
  request_sha256 bytea       NOT NULL CHECK (octet_length(request_sha256) = 32),
  patient_id     uuid        NOT NULL,
  record_id      uuid,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (actor_id, route, key)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON chartproof.patients, chartproof.records, chartproof.idempotency_keys TO {{runtime}};
`,
} as const;
