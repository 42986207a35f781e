/**
 * Migration 50: the consents a practitioner's read needs, found through one index range.
 *
 * The policy reads only the consents of one (patient, grantee) in force now: not revoked, and
 * expiring after now (never, when expires_at is NULL). Migration 20's index on (patient_id,
 * grantee) for unrevoked consents also returned the expired ones, to be filtered out row by row;
 * with the expiry (NULL as infinity) as the third column, the expired ones are skipped by the
 * index itself, however many a practitioner has accumulated. It replaces that index, whose
 * (patient_id, grantee) prefix it serves as well.
 *
 * The statement it serves: shared/adapters/sql/patient-control.ts, `practitioner_read`, whose
 * predicate spells the expression exactly as here.
 */
export const consentIndexMigration = {
  version: 50,
  name: 'consent-index',
  sql: String.raw`
CREATE INDEX consents_in_force ON chartproof.consents (patient_id, grantee, (coalesce(expires_at, 'infinity'::timestamptz)))
  WHERE revoked_at IS NULL;
DROP INDEX chartproof.consents_unrevoked;
`,
} as const;
