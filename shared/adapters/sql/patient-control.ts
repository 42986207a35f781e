/**
 * The PatientControl port over SQL (PostgreSQL and PGlite): the tables of
 * migrations/0020-patient-control.ts, written inside the journal store's transactions so that a
 * row and its journal entry commit together.
 */
import type { ConsentScope, ConsentTerms } from '../../consent/consent.ts';
import { encodeBase64 } from '../../ledger/strict-base64.ts';
import { leafHash as leafHashOf } from '../../ledger/hashing.ts';
import type { AccessLogRow, AccessOutcome, PatientControl, PatientControlTransaction, StoredConsent } from '../../ports/patient-control.ts';
import { CoalescedWriter } from './coalesced-writer.ts';
import { patientRecordRow } from './record-rows.ts';
import { optionalIndex, optionalText, base64, timestamp, hashBytes } from './row-values.ts';
import { toSafeInteger, type SqlExecutor, type SqlRow, type SqlStatement } from './executor.ts';
import type { SqlJournalStore } from './journal-store.ts';
import { patientControlMigration } from './migrations/0020-patient-control.ts';

export { patientControlMigration };

const statement = (name: string, text: string): SqlStatement => ({ name: `chartproof_control_${name}`, text });

const CONSENT_COLUMNS = 'patient_id, consent_id, grantee, scope, purpose, granted_at, expires_at, revoked_at, leaf_hash, journal_index';
const ACCESS_COLUMNS = 'seq, patient_id, at, actor_id, actor_role, action, outcome, record_ids, reason, leaf_hash, journal_index';

const Q = {
  // FOR SHARE: an erasure waits for this grant, and this grant for an erasure in progress.
  insertConsent: statement(
    'insert_consent',
    `WITH patient AS (
       SELECT erased_at IS NOT NULL AS erased FROM chartproof.patients WHERE patient_id = $1::uuid FOR SHARE
     ), inserted AS (
       INSERT INTO chartproof.consents (patient_id, consent_id, grantee, scope, purpose, granted_at, expires_at, leaf_hash)
       SELECT $1::uuid, $2::uuid, $3::text, $4::jsonb, $5::text, $6::timestamptz, $7::timestamptz, $8::bytea
       FROM patient WHERE NOT patient.erased
       RETURNING consent_id
     )
     SELECT (SELECT erased FROM patient) AS erased, (SELECT count(*) FROM inserted) AS inserted`,
  ),
  revokeConsent: statement(
    'revoke_consent',
    `WITH target AS (
       SELECT revoked_at FROM chartproof.consents WHERE patient_id = $1::uuid AND consent_id = $2::uuid FOR UPDATE
     ), revoked AS (
       UPDATE chartproof.consents SET revoked_at = $3::timestamptz
       WHERE patient_id = $1::uuid AND consent_id = $2::uuid AND revoked_at IS NULL
       RETURNING consent_id
     )
     SELECT (SELECT count(*) FROM target) AS found, (SELECT count(*) FROM revoked) AS revoked`,
  ),
  erasePatient: statement(
    'erase_patient',
    `WITH target AS (
       SELECT erased_at FROM chartproof.patients WHERE patient_id = $1::uuid FOR UPDATE
     ), erased AS (
       UPDATE chartproof.patients SET wrapped_key = NULL, erased_at = $2::timestamptz
       WHERE patient_id = $1::uuid AND erased_at IS NULL
       RETURNING patient_id
     ), forgotten AS (
       UPDATE chartproof.access_index SET reason = NULL
       WHERE patient_id = $1::uuid AND outcome = 'break-glass' AND reason IS NOT NULL AND EXISTS (SELECT 1 FROM erased)
       RETURNING seq
     )
     SELECT (SELECT count(*) FROM target) AS found, (SELECT count(*) FROM erased) AS erased, (SELECT count(*) FROM forgotten) AS forgotten`,
  ),
  insertAccess: statement(
    'insert_access',
    `INSERT INTO chartproof.access_index (patient_id, at, actor_id, actor_role, action, outcome, record_ids, reason, leaf_hash)
     VALUES ($1::uuid, $2::timestamptz, $3::text, $4::text, $5::text, $6::text, $7::text[], $8::text, $9::bytea)
     RETURNING seq`,
  ),
  setAccessIndexes: statement(
    'set_access_indexes',
    `UPDATE chartproof.access_index a SET journal_index = u.idx
     FROM unnest($1::bigint[], $2::bigint[]) AS u(seq, idx)
     WHERE a.seq = u.seq AND a.journal_index IS NULL`,
  ),
  setConsentIndex: statement(
    'set_consent_index',
    `UPDATE chartproof.consents SET journal_index = $3::bigint
     WHERE patient_id = $1::uuid AND consent_id = $2::uuid AND journal_index IS NULL`,
  ),
  // Only patient control's claims carry an entry leaf hash, so a records route's key never replays here.
  claimKey: statement(
    'claim_key',
    `INSERT INTO chartproof.idempotency_keys (actor_id, route, key, request_sha256, patient_id, consent_id, entry_leaf_hash)
     VALUES ($1::text, $2::text, $3::text, $4::bytea, $5::uuid, $6::uuid, $7::bytea)
     ON CONFLICT (actor_id, route, key) DO NOTHING
     RETURNING key`,
  ),
  claim: statement(
    'claim',
    `SELECT actor_id, route, key, request_sha256, patient_id, consent_id, entry_leaf_hash, entry_index FROM chartproof.idempotency_keys
     WHERE actor_id = $1::text AND route = $2::text AND key = $3::text AND entry_leaf_hash IS NOT NULL`,
  ),
  setClaimIndex: statement(
    'set_claim_index',
    `UPDATE chartproof.idempotency_keys SET entry_index = $4::bigint
     WHERE actor_id = $1::text AND route = $2::text AND key = $3::text AND entry_index IS NULL`,
  ),
  consentsMissingIndexes: statement(
    'consents_missing_indexes',
    'SELECT patient_id, consent_id, leaf_hash, granted_at FROM chartproof.consents WHERE journal_index IS NULL ORDER BY granted_at DESC LIMIT $1::integer',
  ),
  claimsMissingIndexes: statement(
    'claims_missing_indexes',
    `SELECT actor_id, route, key, entry_leaf_hash, created_at FROM chartproof.idempotency_keys
     WHERE entry_leaf_hash IS NOT NULL AND entry_index IS NULL ORDER BY created_at DESC LIMIT $1::integer`,
  ),
  consents: statement('consents', `SELECT ${CONSENT_COLUMNS} FROM chartproof.consents WHERE patient_id = $1::uuid ORDER BY granted_at, consent_id`),
  // Everything a practitioner's read needs before the decision, in one statement (one round trip):
  // the patient and the record (NULL columns when either is missing), the latest break-glass
  // opening, and the grantee's consents in force at $3 as JSON. The consents' predicate matches
  // the consents_in_force index of migration 0050, so neither other grantees' nor expired consents
  // are read. $5 NULL: no record is wanted.
  practitionerRead: statement(
    'practitioner_read',
    `SELECT p.patient_id, p.external_ref, p.wrapped_key, p.registered_at, p.erased_at,
            p.leaf_hash AS patient_leaf_hash, p.journal_index AS patient_journal_index,
            r.record_id, r.version, r.category, r.resource_type, r.sha256, r.object_key, r.created_at, r.created_by, r.leaf_hash, r.journal_index,
            bg.at AS break_glass_at, bg.reason AS break_glass_reason,
            (SELECT coalesce(json_agg(json_build_object('consentId', c.consent_id, 'scope', c.scope, 'expiresAt', c.expires_at)), '[]'::json)
             FROM chartproof.consents c
             WHERE c.patient_id = k.patient_id AND c.grantee = $2::text AND c.revoked_at IS NULL
               AND coalesce(c.expires_at, 'infinity'::timestamptz) > $3::timestamptz) AS consents
     FROM (SELECT $1::uuid AS patient_id) k
     LEFT JOIN chartproof.patients p ON p.patient_id = k.patient_id
     LEFT JOIN LATERAL (
       SELECT * FROM chartproof.records r
       WHERE $5::uuid IS NOT NULL AND r.patient_id = k.patient_id AND r.record_id = $5::uuid AND ($6::integer IS NULL OR r.version = $6::integer)
       ORDER BY r.version DESC LIMIT 1
     ) r ON true
     LEFT JOIN LATERAL (
       SELECT a.at, a.reason FROM chartproof.access_index a
       WHERE a.patient_id = k.patient_id AND a.actor_id = $2::text AND a.outcome = 'break-glass' AND a.action = 'access.break-glass' AND a.at >= $4::timestamptz
       ORDER BY a.at DESC LIMIT 1
     ) bg ON true`,
  ),
  accessLog: statement(
    'access_log',
    `SELECT ${ACCESS_COLUMNS} FROM chartproof.access_index
     WHERE patient_id = $1::uuid
       AND ($2::timestamptz IS NULL OR at >= $2::timestamptz)
       AND ($3::timestamptz IS NULL OR at < $3::timestamptz)
       AND ($4::timestamptz IS NULL OR (at, seq) > ($4::timestamptz, $5::bigint))
     ORDER BY at, seq
     LIMIT $6::integer`,
  ),
  accessMissingIndexes: statement(
    'access_missing_indexes',
    'SELECT seq, leaf_hash, at FROM chartproof.access_index WHERE journal_index IS NULL ORDER BY seq DESC LIMIT $1::integer',
  ),
} as const;

export type SqlPatientControlOptions = {
  /** The journal store whose transactions the projection writes in. */
  readonly journal: Pick<SqlJournalStore, 'transact' | 'transactOne'>;
  /** The same database, for reads outside transactions. */
  readonly executor: SqlExecutor;
};

export function createSqlPatientControl(options: SqlPatientControlOptions): PatientControl {
  const { journal, executor } = options;
  const read = <Row extends SqlRow>(query: SqlStatement, values: readonly unknown[]) =>
    executor.withSession((session) => session.query<Row>(query, values));

  // Every read journals an access and then records its index: concurrent reads share one UPDATE.
  const accessIndexes = new CoalescedWriter<Parameters<PatientControl['setAccessIndexes']>[0][number]>(async (updates) => {
    await read(Q.setAccessIndexes, [updates.map(({ seq }) => seq), updates.map(({ receipt }) => receipt.index)]);
  });
  const setAccessIndexes: PatientControl['setAccessIndexes'] = (updates) => accessIndexes.write(updates);

  const transact: PatientControl['transact'] = (work) =>
    journal.transact((sqlTx) => {
      const tx: PatientControlTransaction = {
        append: (entries) => sqlTx.append(entries),
        async insertConsent(consent) {
          const [outcome] = await sqlTx.query(Q.insertConsent, [
            consent.patientId,
            consent.consentId,
            consent.grantee,
            JSON.stringify(consent.scope),
            consent.purpose ?? null,
            consent.grantedAt,
            consent.expiresAt ?? null,
            hashBytes(consent.leafHash),
          ]);
          if (outcome === undefined || outcome.erased === null) return 'patient-missing';
          return outcome.erased === true ? 'patient-erased' : 'inserted';
        },
        async revokeConsent({ patientId, consentId, revokedAt }) {
          const [outcome] = await sqlTx.query(Q.revokeConsent, [patientId, consentId, revokedAt]);
          if (outcome === undefined || toSafeInteger(outcome.found, 'found') === 0) return 'missing';
          return toSafeInteger(outcome.revoked, 'revoked') === 1 ? 'revoked' : 'already-revoked';
        },
        async erasePatient({ patientId, erasedAt }) {
          const [outcome] = await sqlTx.query(Q.erasePatient, [patientId, erasedAt]);
          if (outcome === undefined || toSafeInteger(outcome.found, 'found') === 0) return 'patient-missing';
          return toSafeInteger(outcome.erased, 'erased') === 1 ? 'erased' : 'already-erased';
        },
        async insertAccess(access) {
          await sqlTx.query(Q.insertAccess, accessValues(access, access.leafHash));
        },
        async claimIdempotencyKey(claim) {
          const claimed = await sqlTx.query(Q.claimKey, [
            claim.actorId,
            claim.route,
            claim.key,
            hashBytes(claim.requestSha256),
            claim.patientId,
            claim.consentId ?? null,
            hashBytes(claim.leafHash),
          ]);
          return claimed.length === 1;
        },
      };
      return work(tx);
    });

  return {
    transact,

    async journalAccess(entry, access) {
      const leafHash = encodeBase64(leafHashOf(entry));
      // The row and its entry in one statement: one round trip rather than BEGIN, insert, enqueue, COMMIT.
      const { value: row, receipts } = await journal.transactOne({ statement: Q.insertAccess, values: accessValues(access, leafHash) }, [entry]);
      const seq = toSafeInteger(row.seq, 'seq');
      const [receipt] = receipts;
      if (receipt === undefined || receipts.length !== 1) throw new RangeError(`got ${receipts.length} receipts, want 1`);
      const journalReceipt = { index: receipt.index, leafHash: encodeBase64(receipt.leafHash) };
      await setAccessIndexes([{ seq, receipt: journalReceipt }]);
      return journalReceipt;
    },

    async setConsentIndex({ patientId, consentId, receipt }) {
      await read(Q.setConsentIndex, [patientId, consentId, receipt.index]);
    },

    async idempotencyClaim({ actorId, route, key }) {
      const [row] = await read(Q.claim, [actorId, route, key]);
      if (row === undefined) return undefined;
      return {
        actorId: String(row.actor_id),
        route: String(row.route),
        key: String(row.key),
        requestSha256: base64(row.request_sha256, 'request_sha256'),
        patientId: String(row.patient_id),
        consentId: optionalText(row.consent_id),
        entry: { index: optionalIndex(row.entry_index), leafHash: base64(row.entry_leaf_hash, 'entry_leaf_hash') },
      };
    },

    async setClaimIndex({ actorId, route, key, receipt }) {
      await read(Q.setClaimIndex, [actorId, route, key, receipt.index]);
    },

    async consents(patientId) {
      return (await read(Q.consents, [patientId])).map(consentRow);
    },

    async practitionerRead({ patientId, grantee, at, breakGlassSince, record }) {
      const [row] = await read(Q.practitionerRead, [patientId, grantee, at, breakGlassSince, record?.recordId ?? null, record?.version ?? null]);
      if (row === undefined) throw new RangeError('the practitioner-read statement returned no row');
      const consents = consentTerms(row.consents, grantee);
      const breakGlass = row.break_glass_at === null ? undefined : { at: timestamp(row.break_glass_at, 'at'), reason: optionalText(row.break_glass_reason) };
      return { consents, breakGlass, ...(record === undefined ? {} : { found: patientRecordRow(row) }) };
    },

    async accessLog({ patientId, since, until, after, limit }) {
      const rows = await read(Q.accessLog, [patientId, since ?? null, until ?? null, after?.at ?? null, after?.seq ?? null, limit]);
      return rows.map(accessRow);
    },

    async consentsMissingIndexes(limit) {
      return (await read(Q.consentsMissingIndexes, [limit])).map((row) => ({
        patientId: String(row.patient_id),
        consentId: String(row.consent_id),
        leafHash: base64(row.leaf_hash, 'leaf_hash'),
        at: timestamp(row.granted_at, 'granted_at'),
      }));
    },

    async claimsMissingIndexes(limit) {
      return (await read(Q.claimsMissingIndexes, [limit])).map((row) => ({
        actorId: String(row.actor_id),
        route: String(row.route),
        key: String(row.key),
        leafHash: base64(row.entry_leaf_hash, 'entry_leaf_hash'),
        at: timestamp(row.created_at, 'created_at'),
      }));
    },

    async accessRowsMissingIndexes(limit) {
      return (await read(Q.accessMissingIndexes, [limit])).map((row) => ({
        seq: toSafeInteger(row.seq, 'seq'),
        leafHash: base64(row.leaf_hash, 'leaf_hash'),
        at: timestamp(row.at, 'at'),
      }));
    },

    setAccessIndexes,
  };
}

function accessValues(access: Parameters<PatientControlTransaction['insertAccess']>[0] | Omit<Parameters<PatientControlTransaction['insertAccess']>[0], 'leafHash'>, leafHash: string): unknown[] {
  return [
    access.patientId,
    access.at,
    access.actor.id,
    access.actor.role,
    access.action,
    access.outcome,
    [...access.recordIds],
    access.reason ?? null,
    hashBytes(leafHash),
  ];
}

function consentRow(row: SqlRow): StoredConsent {
  return {
    patientId: String(row.patient_id),
    consentId: String(row.consent_id),
    grantee: String(row.grantee),
    scope: (typeof row.scope === 'string' ? JSON.parse(row.scope) : row.scope) as ConsentScope,
    grantedAt: timestamp(row.granted_at, 'granted_at'),
    expiresAt: row.expires_at === null ? undefined : timestamp(row.expires_at, 'expires_at'),
    purpose: optionalText(row.purpose),
    revokedAt: row.revoked_at === null ? undefined : timestamp(row.revoked_at, 'revoked_at'),
    entry: { index: optionalIndex(row.journal_index), leafHash: base64(row.leaf_hash, 'leaf_hash') },
  };
}

/** The JSON array of consents (consentId, scope, expiresAt) the practitioner-read statement aggregates. */
function consentTerms(value: unknown, grantee: string): ConsentTerms[] {
  const items = (typeof value === 'string' ? JSON.parse(value) : value) as { consentId: string; scope: ConsentScope; expiresAt: string | null }[];
  return items.map((item) => ({
    consentId: String(item.consentId),
    grantee,
    scope: item.scope,
    ...(item.expiresAt === null ? {} : { expiresAt: timestamp(item.expiresAt, 'expires_at') }),
  }));
}

function accessRow(row: SqlRow): AccessLogRow {
  const recordIds = row.record_ids;
  return {
    seq: toSafeInteger(row.seq, 'seq'),
    patientId: String(row.patient_id),
    at: timestamp(row.at, 'at'),
    actor: { id: String(row.actor_id), role: String(row.actor_role) },
    action: String(row.action),
    outcome: String(row.outcome) as AccessOutcome,
    recordIds: Array.isArray(recordIds) ? recordIds.map(String) : [],
    reason: optionalText(row.reason),
    entry: { index: optionalIndex(row.journal_index), leafHash: base64(row.leaf_hash, 'leaf_hash') },
  };
}

/** The access-log page query, exported so a test can check its plan uses the per-patient index rather than a scan. */
export const ACCESS_LOG_QUERY: SqlStatement = Q.accessLog;

/** The practitioner-read statement, exported so a test can check its plan reads consents through consents_in_force. */
export const PRACTITIONER_READ_QUERY: SqlStatement = Q.practitionerRead;
