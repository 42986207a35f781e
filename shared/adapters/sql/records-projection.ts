/**
 * The RecordsProjection port over SQL (PostgreSQL and PGlite): the tables of
 * migrations/0010-records.ts, written inside the journal store's transactions so that a row and
 * its journal entry commit together.
 */
import type { JournalStore } from '../../ports/journal-store.ts';
import type {
  IdempotencyClaim,
  JournalIndexUpdate,
  RecordsProjection,
  RecordsTransaction,
} from '../../ports/records-projection.ts';
import { CoalescedWriter } from './coalesced-writer.ts';
import { PATIENT_COLUMNS, patientRecordRow, patientRow, RECORD_COLUMNS, recordRow } from './record-rows.ts';
import { optionalText, base64, hashBytes, timestamp } from './row-values.ts';
import { toSafeInteger, type SqlExecutor, type SqlRow, type SqlStatement } from './executor.ts';
import type { SqlJournalTransaction } from './journal-store.ts';
import { JOURNAL_MIGRATIONS, type Migration } from './migrate.ts';
import { recordsMigration } from './migrations/0010-records.ts';
import { patientControlMigration } from './migrations/0020-patient-control.ts';
import { notificationsMigration } from './migrations/0040-notifications.ts';
import { outboxMigration } from './migrations/0030-outbox.ts';
import { consentIndexMigration } from './migrations/0050-consent-index.ts';
import { controlIdempotencyMigration } from './migrations/0051-control-idempotency.ts';
import { receiptRepairMigration } from './migrations/0052-receipt-repair.ts';
import { notifierLedgerPruningMigration } from './migrations/0053-notifier-ledger-pruning.ts';

/** The records API's migrations: the records, and the notification preferences and notifier ledger. */
export const RECORDS_MIGRATIONS: readonly Migration[] = [recordsMigration, notificationsMigration];

/** Every migration a records API database needs: the journal's and the projections' (patient control's included). */
export const ALL_MIGRATIONS: readonly Migration[] = [...JOURNAL_MIGRATIONS, ...RECORDS_MIGRATIONS, patientControlMigration, outboxMigration, consentIndexMigration, controlIdempotencyMigration, receiptRepairMigration, notifierLedgerPruningMigration];

const statement = (name: string, text: string): SqlStatement => ({ name: `chartproof_records_${name}`, text });


const Q = {
  insertPatient: statement(
    'insert_patient',
    `INSERT INTO chartproof.patients (patient_id, external_ref, wrapped_key, registered_at, leaf_hash)
     VALUES ($1::uuid, $2::text, $3::bytea, $4::timestamptz, $5::bytea)`,
  ),
  // FOR SHARE: an erasure (an UPDATE of the patient row) waits for this transaction, and this
  // insert waits for an erasure in progress, so a version never lands after its patient's erasure.
  insertRecord: statement(
    'insert_record',
    `WITH patient AS (
       SELECT erased_at IS NOT NULL AS erased FROM chartproof.patients WHERE patient_id = $1::uuid FOR SHARE
     ), inserted AS (
       INSERT INTO chartproof.records (patient_id, record_id, version, category, resource_type, sha256, object_key, created_at, created_by, leaf_hash)
       SELECT $1::uuid, $2::uuid, $3::integer, $4::text, $5::text, $6::bytea, $7::text, $8::timestamptz, $9::text, $10::bytea
       FROM patient WHERE NOT patient.erased
       ON CONFLICT (patient_id, record_id, version) DO NOTHING
       RETURNING version
     )
     SELECT (SELECT erased FROM patient) AS erased, (SELECT count(*) FROM inserted) AS inserted`,
  ),
  claimKey: statement(
    'claim_key',
    `INSERT INTO chartproof.idempotency_keys (actor_id, route, key, request_sha256, patient_id, record_id)
     VALUES ($1::text, $2::text, $3::text, $4::bytea, $5::uuid, $6::uuid)
     ON CONFLICT (actor_id, route, key) DO NOTHING
     RETURNING key`,
  ),
  setPatientIndexes: statement(
    'set_patient_indexes',
    `UPDATE chartproof.patients p SET journal_index = u.idx
     FROM unnest($1::uuid[], $2::bigint[]) AS u(patient_id, idx)
     WHERE p.patient_id = u.patient_id AND p.journal_index IS NULL`,
  ),
  setRecordIndexes: statement(
    'set_record_indexes',
    `UPDATE chartproof.records r SET journal_index = u.idx
     FROM unnest($1::uuid[], $2::uuid[], $3::integer[], $4::bigint[]) AS u(patient_id, record_id, version, idx)
     WHERE r.patient_id = u.patient_id AND r.record_id = u.record_id AND r.version = u.version AND r.journal_index IS NULL`,
  ),
  patient: statement('patient', `SELECT ${PATIENT_COLUMNS} FROM chartproof.patients WHERE patient_id = $1::uuid`),
  recordVersion: statement(
    'record_version',
    `SELECT ${RECORD_COLUMNS} FROM chartproof.records WHERE patient_id = $1::uuid AND record_id = $2::uuid AND version = $3::integer`,
  ),
  currentVersion: statement(
    'current_version',
    `SELECT ${RECORD_COLUMNS} FROM chartproof.records WHERE patient_id = $1::uuid AND record_id = $2::uuid ORDER BY version DESC LIMIT 1`,
  ),
  patientRecord: statement(
    'patient_record',
    `SELECT p.patient_id, p.external_ref, p.wrapped_key, p.registered_at, p.erased_at, p.leaf_hash AS patient_leaf_hash,
            p.journal_index AS patient_journal_index,
            r.record_id, r.version, r.category, r.resource_type, r.sha256, r.object_key, r.created_at, r.created_by, r.leaf_hash, r.journal_index
     FROM chartproof.patients p
     LEFT JOIN LATERAL (
       SELECT * FROM chartproof.records r
       WHERE r.patient_id = p.patient_id AND r.record_id = $2::uuid AND ($3::integer IS NULL OR r.version = $3::integer)
       ORDER BY r.version DESC LIMIT 1
     ) r ON true
     WHERE p.patient_id = $1::uuid`,
  ),
  history: statement(
    'history',
    `SELECT ${RECORD_COLUMNS} FROM chartproof.records WHERE patient_id = $1::uuid AND record_id = $2::uuid ORDER BY version`,
  ),
  currentRecords: statement(
    'current_records',
    `SELECT DISTINCT ON (record_id) ${RECORD_COLUMNS} FROM chartproof.records
     WHERE patient_id = $1::uuid AND ($2::uuid IS NULL OR record_id > $2::uuid)
     ORDER BY record_id, version DESC
     LIMIT $3::integer`,
  ),
  claim: statement(
    'claim',
    `SELECT actor_id, route, key, request_sha256, patient_id, record_id FROM chartproof.idempotency_keys
     WHERE actor_id = $1::text AND route = $2::text AND key = $3::text`,
  ),
  patientsMissingIndexes: statement(
    'patients_missing_indexes',
    'SELECT patient_id, leaf_hash, registered_at FROM chartproof.patients WHERE journal_index IS NULL ORDER BY registered_at DESC LIMIT $1::integer',
  ),
  recordsMissingIndexes: statement(
    'records_missing_indexes',
    'SELECT patient_id, record_id, version, leaf_hash, created_at FROM chartproof.records WHERE journal_index IS NULL ORDER BY created_at DESC LIMIT $1::integer',
  ),
} as const;

export type SqlRecordsProjectionOptions = {
  /** The journal store whose transactions the projection writes in. */
  readonly journal: Pick<JournalStore<SqlJournalTransaction>, 'transact'>;
  /** The same database, for reads outside transactions. */
  readonly executor: SqlExecutor;
};

export function createSqlRecordsProjection(options: SqlRecordsProjectionOptions): RecordsProjection {
  const { journal, executor } = options;
  const read = <Row extends SqlRow>(query: SqlStatement, values: readonly unknown[]) =>
    executor.withSession((session) => session.query<Row>(query, values));
  const indexWriter = new CoalescedWriter(writeJournalIndexes(executor));

  return {
    transact: (work) =>
      journal.transact((sqlTx) => {
        const tx: RecordsTransaction = {
          append: (entries) => sqlTx.append(entries),
          async insertPatient(patient) {
            await sqlTx.query(Q.insertPatient, [
              patient.patientId,
              patient.externalRef ?? null,
              patient.wrappedKey,
              patient.registeredAt,
              hashBytes(patient.leafHash),
            ]);
          },
          async insertRecordVersion(row) {
            const inserted = await sqlTx.query(Q.insertRecord, [
              row.patientId,
              row.recordId,
              row.version,
              row.category ?? null,
              row.resourceType,
              hashBytes(row.sha256),
              row.objectKey,
              row.createdAt,
              row.createdBy,
              hashBytes(row.leafHash),
            ]);
            const [outcome] = inserted;
            if (outcome === undefined || outcome.erased === null) return 'patient-missing';
            if (outcome.erased === true) return 'patient-erased';
            return toSafeInteger(outcome.inserted, 'inserted rows') === 1 ? 'inserted' : 'version-taken';
          },
          async claimIdempotencyKey(claim) {
            const claimed = await sqlTx.query(Q.claimKey, [
              claim.actorId,
              claim.route,
              claim.key,
              hashBytes(claim.requestSha256),
              claim.patientId,
              claim.recordId ?? null,
            ]);
            return claimed.length === 1;
          },
        };
        return work(tx);
      }),

    setJournalIndexes: (updates) => indexWriter.write(updates),

    async patient(patientId) {
      const [row] = await read(Q.patient, [patientId]);
      return row === undefined ? undefined : patientRow(row);
    },

    async recordVersion({ patientId, recordId, version }) {
      const [row] = version === undefined ? await read(Q.currentVersion, [patientId, recordId]) : await read(Q.recordVersion, [patientId, recordId, version]);
      return row === undefined ? undefined : recordRow(row);
    },

    async patientRecord({ patientId, recordId, version }) {
      const [row] = await read(Q.patientRecord, [patientId, recordId, version ?? null]);
      return patientRecordRow(row);
    },

    async recordHistory({ patientId, recordId }) {
      return (await read(Q.history, [patientId, recordId])).map(recordRow);
    },

    async currentRecords({ patientId, afterRecordId, limit }) {
      return (await read(Q.currentRecords, [patientId, afterRecordId ?? null, limit])).map(recordRow);
    },

    async idempotencyClaim({ actorId, route, key }) {
      const [row] = await read(Q.claim, [actorId, route, key]);
      return row === undefined ? undefined : claimRow(row);
    },

    async rowsMissingIndexes(limit) {
      const patients = await read(Q.patientsMissingIndexes, [limit]);
      const records = await read(Q.recordsMissingIndexes, [limit]);
      return [
        ...patients.map((row) => ({
          kind: 'patient' as const,
          patientId: String(row.patient_id),
          leafHash: base64(row.leaf_hash, 'leaf_hash'),
          at: timestamp(row.registered_at, 'registered_at'),
        })),
        ...records.map(
          (row) => ({
            kind: 'record' as const,
            patientId: String(row.patient_id),
            recordId: String(row.record_id),
            version: toSafeInteger(row.version, 'version'),
            leafHash: base64(row.leaf_hash, 'leaf_hash'),
            at: timestamp(row.created_at, 'created_at'),
          }),
        ),
      ].slice(0, limit);
    },
  };
}

function claimRow(row: SqlRow): IdempotencyClaim {
  return {
    actorId: String(row.actor_id),
    route: String(row.route),
    key: String(row.key),
    requestSha256: base64(row.request_sha256, 'request_sha256'),
    patientId: String(row.patient_id),
    recordId: optionalText(row.record_id),
  };
}


/**
 * Records journal indexes for many concurrent writers in one statement per table (through a
 * CoalescedWriter: one writer alone pays one round trip; thirty-two at once pay a handful).
 */
function writeJournalIndexes(executor: SqlExecutor): (updates: readonly JournalIndexUpdate[]) => Promise<void> {
  return async (updates) => {
    const patients = updates.flatMap(({ row, receipt }) => (row.kind === 'patient' ? [{ row, index: receipt.index }] : []));
    const records = updates.flatMap(({ row, receipt }) => (row.kind === 'record' ? [{ row, index: receipt.index }] : []));
    await executor.withSession(async (session) => {
      if (patients.length > 0) {
        await session.query(Q.setPatientIndexes, [patients.map(({ row }) => row.patientId), patients.map(({ index }) => index)]);
      }
      if (records.length > 0) {
        await session.query(Q.setRecordIndexes, [
          records.map(({ row }) => row.patientId),
          records.map(({ row }) => row.recordId),
          records.map(({ row }) => row.version),
          records.map(({ index }) => index),
        ]);
      }
    });
  };
}
