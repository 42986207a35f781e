/**
 * The RecordsProjection port: the patients, record-version and idempotency tables the records API
 * reads and writes (ARCHITECTURE.md D1 "Storage"). Projections are ordinary tables, written in
 * the SAME database transaction as the journal entry that justifies them, so a projection row
 * never exists without its entry and can be rebuilt from the journal.
 *
 * Adapter: shared/adapters/sql/records-projection.ts (PostgreSQL and PGlite, over the journal
 * store's transactions).
 *
 * Receipts: an entry's journal index is only known once the journal has integrated it, which may
 * be after the transaction commits (group commit). Rows therefore hold the entry's leaf hash from
 * the start and get their index right after `transact` resolves (`setJournalIndexes`). A crash in
 * between leaves the index NULL until `repairReceipts` (shared/audit/repair-receipts.ts) finds the entry in the journal.
 */
import type { JournalReceipt } from '../errors.ts';
import type { JournalTransaction, Transacted } from './journal-store.ts';

/** A registered patient. */
export type PatientRow = {
  readonly patientId: string;
  readonly externalRef: string | undefined;
  /** The patient key as the KeyVault wrapped it; undefined once erased (crypto-shredded). */
  readonly wrappedKey: Uint8Array | undefined;
  /** RFC 3339. */
  readonly registeredAt: string;
  readonly erasedAt: string | undefined;
  /** The `patient.registered` entry; `index` undefined until known (see "Receipts"). */
  readonly entry: PendingReceipt;
};

/** One version of a record. */
export type RecordVersionRow = {
  readonly patientId: string;
  readonly recordId: string;
  readonly version: number;
  readonly category: string | undefined;
  readonly resourceType: string;
  /** SHA-256 of the stored ciphertext, canonical base64: the value journaled in the entry. */
  readonly sha256: string;
  readonly objectKey: string;
  /** RFC 3339. */
  readonly createdAt: string;
  /** The actor id that wrote this version. */
  readonly createdBy: string;
  /** The `record.created` or `record.updated` entry; `index` undefined until known. */
  readonly entry: PendingReceipt;
};

/** A receipt whose index may not be known yet. */
export type PendingReceipt = { readonly index: number | undefined; readonly leafHash: string };

/** What a POST with an Idempotency-Key did: enough to rebuild its response from the projection. */
export type IdempotencyClaim = {
  readonly actorId: string;
  readonly route: string;
  readonly key: string;
  /** SHA-256 (canonical base64) of the canonical JSON of the request. */
  readonly requestSha256: string;
  /** The patient the request created or wrote to. */
  readonly patientId: string;
  /** The record the request created, for record routes. */
  readonly recordId: string | undefined;
};

export type NewPatient = Omit<PatientRow, 'entry' | 'erasedAt'> & { readonly leafHash: string };
export type NewRecordVersion = Omit<RecordVersionRow, 'entry'> & { readonly leafHash: string };

/** What a unit of work may do inside `transact`: projection writes, plus journal appends. */
export interface RecordsTransaction extends JournalTransaction {
  /** Inserts a patient. Requires a new patientId. */
  insertPatient(patient: NewPatient): Promise<void>;
  /**
   * Inserts a record version, if the patient is registered and not erased; the patient's row is
   * locked against erasure until the transaction ends, so no version lands after an erasure.
   * Resolves, writing nothing otherwise: `version-taken` when that version exists (a concurrent
   * writer got there first), `patient-missing` or `patient-erased`. Requires `version` to be 1 or
   * the successor of an existing version.
   */
  insertRecordVersion(version: NewRecordVersion): Promise<'inserted' | 'version-taken' | 'patient-missing' | 'patient-erased'>;
  /**
   * Claims (actor, route, key) for this request. Resolves false (and writes nothing) when it was
   * claimed before, by a committed transaction or by one that commits meanwhile.
   */
  claimIdempotencyKey(claim: IdempotencyClaim): Promise<boolean>;
}

export interface RecordsProjection {
  /**
   * Runs `work` in one database transaction with the journal: its projection writes and its
   * appended entries commit together or not at all. Same contract as JournalStore.transact.
   */
  transact<T>(work: (tx: RecordsTransaction) => Promise<T>): Promise<Transacted<T>>;

  /** Records the journal indexes of entries a committed `transact` appended. Idempotent. */
  setJournalIndexes(indexes: readonly JournalIndexUpdate[]): Promise<void>;

  patient(patientId: string): Promise<PatientRow | undefined>;

  /** The given version of a record, or its current (highest) version when `version` is undefined. */
  recordVersion(query: { patientId: string; recordId: string; version?: number }): Promise<RecordVersionRow | undefined>;

  /**
   * The patient and, when both exist, the given version of their record (the current version when
   * `version` is undefined), in one read: what a read or an update needs first.
   */
  patientRecord(query: { patientId: string; recordId: string; version?: number }): Promise<{ patient: PatientRow | undefined; row: RecordVersionRow | undefined }>;

  /** Every version of a record, oldest first; empty when there is no such record. */
  recordHistory(query: { patientId: string; recordId: string }): Promise<RecordVersionRow[]>;

  /**
   * The current version of each of the patient's records, in record id order, starting after
   * `afterRecordId`, at most `limit` of them. Requires 1 <= limit.
   */
  currentRecords(query: { patientId: string; afterRecordId?: string; limit: number }): Promise<RecordVersionRow[]>;

  /** The claim made earlier for (actor, route, key), if any. */
  idempotencyClaim(query: { actorId: string; route: string; key: string }): Promise<IdempotencyClaim | undefined>;

  /**
   * Rows whose index is still unknown (a crash between commit and `setJournalIndexes`), with
   * their leaf hashes, so a repair can find their entries in the journal.
   */
  rowsMissingIndexes(limit: number): Promise<(JournalIndexUpdate['row'] & { readonly at: string })[]>;
}

/** Which row an index belongs to. */
export type ProjectedRow =
  | { readonly kind: 'patient'; readonly patientId: string; readonly leafHash: string }
  | { readonly kind: 'record'; readonly patientId: string; readonly recordId: string; readonly version: number; readonly leafHash: string };

export type JournalIndexUpdate = { readonly row: ProjectedRow; readonly receipt: JournalReceipt };
