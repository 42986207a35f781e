/**
 * Rows of the patients and records tables (migrations/0010-records.ts) as the ports speak them,
 * for every adapter that reads those tables: the records projection, and patient control, whose
 * practitioner-read statement returns a patient and a record together with the consents.
 */
import type { PatientRow, RecordVersionRow } from '../../ports/records-projection.ts';
import { toBytes, toSafeInteger, type SqlRow } from './executor.ts';
import { base64, optionalIndex, optionalText, timestamp } from './row-values.ts';

/** The columns of a patients row, as both statements select them. */
export const PATIENT_COLUMNS = 'patient_id, external_ref, wrapped_key, registered_at, erased_at, leaf_hash, journal_index';

/** The columns of a records row, as both statements select them. */
export const RECORD_COLUMNS = 'patient_id, record_id, version, category, resource_type, sha256, object_key, created_at, created_by, leaf_hash, journal_index';

export function patientRow(row: SqlRow): PatientRow {
  return {
    patientId: String(row.patient_id),
    externalRef: optionalText(row.external_ref),
    wrappedKey: row.wrapped_key === null ? undefined : toBytes(row.wrapped_key, 'wrapped_key').slice(),
    registeredAt: timestamp(row.registered_at, 'registered_at'),
    erasedAt: row.erased_at === null ? undefined : timestamp(row.erased_at, 'erased_at'),
    entry: { index: optionalIndex(row.journal_index), leafHash: base64(row.leaf_hash, 'leaf_hash') },
  };
}

export function recordRow(row: SqlRow): RecordVersionRow {
  return {
    patientId: String(row.patient_id),
    recordId: String(row.record_id),
    version: toSafeInteger(row.version, 'version'),
    category: optionalText(row.category),
    resourceType: String(row.resource_type),
    sha256: base64(row.sha256, 'sha256'),
    objectKey: String(row.object_key),
    createdAt: timestamp(row.created_at, 'created_at'),
    createdBy: String(row.created_by),
    entry: { index: optionalIndex(row.journal_index), leafHash: base64(row.leaf_hash, 'leaf_hash') },
  };
}

/**
 * A patient joined with one of its records (the patient's leaf hash and index under
 * `patient_leaf_hash` and `patient_journal_index`, the record's columns NULL when there is none),
 * as RecordsProjection.patientRecord answers; both undefined when there is no such patient.
 */
export function patientRecordRow(row: SqlRow | undefined): { patient: PatientRow | undefined; row: RecordVersionRow | undefined } {
  if (row === undefined || row.patient_id === null || row.patient_id === undefined) return { patient: undefined, row: undefined };
  const patient = patientRow({ ...row, leaf_hash: row.patient_leaf_hash, journal_index: row.patient_journal_index });
  return { patient, row: row.record_id === null || row.record_id === undefined ? undefined : recordRow(row) };
}
