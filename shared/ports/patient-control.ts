/**
 * The PatientControl port: the projections of patient control (ARCHITECTURE.md D1 "Storage", D3):
 * consents, and the per-patient access index. Like every projection they are ordinary tables
 * written in the SAME database transaction as the journal entry that justifies them, and can be
 * rebuilt from the journal (except the break-glass reason text, which the journal holds only as a
 * hash: that text is erasable on purpose).
 *
 * Adapter: shared/adapters/sql/patient-control.ts (PostgreSQL and PGlite).
 *
 * Receipts: as for the records projection (shared/ports/records-projection.ts "Receipts"), rows
 * hold their entry's leaf hash from the start and get its index once the journal has integrated
 * it; `journalAccess` does both, so its callers get the receipt.
 */
import type { JournalReceipt } from '../errors.ts';
import type { ConsentScope, ConsentTerms } from '../consent/consent.ts';
import type { JournalTransaction, Transacted } from './journal-store.ts';
import type { PatientRow, PendingReceipt, RecordVersionRow } from './records-projection.ts';

export type AccessOutcome = 'permit' | 'deny' | 'break-glass';

/** One access to a patient's data, as the access log shows it. */
export type AccessRecord = {
  readonly patientId: string;
  /** RFC 3339, the entry's `at`. */
  readonly at: string;
  readonly actor: { readonly id: string; readonly role: string };
  /** The journal entry type, or for a denial the attempted action (e.g. record.read). */
  readonly action: string;
  readonly outcome: AccessOutcome;
  readonly recordIds: readonly string[];
  /** The denial code, or the stated break-glass reason (free text: erasable, never journaled). */
  readonly reason?: string | undefined;
};

/** An access-index row with its receipt and its place in the index. */
export type AccessLogRow = AccessRecord & {
  /** Position in the index (insertion order): what a page cursor names. */
  readonly seq: number;
  readonly entry: PendingReceipt;
};

export type StoredConsent = {
  readonly patientId: string;
  readonly consentId: string;
  readonly grantee: string;
  readonly scope: ConsentScope;
  readonly grantedAt: string;
  readonly expiresAt: string | undefined;
  readonly purpose: string | undefined;
  readonly revokedAt: string | undefined;
  /** The `consent.granted` entry. */
  readonly entry: PendingReceipt;
};

export type NewConsent = Omit<StoredConsent, 'entry' | 'revokedAt'> & { readonly leafHash: string };

export interface PatientControlTransaction extends JournalTransaction {
  /**
   * Inserts a consent if the patient is registered and not erased (the patient row is locked
   * against erasure until the transaction ends); resolves without writing otherwise.
   */
  insertConsent(consent: NewConsent): Promise<'inserted' | 'patient-missing' | 'patient-erased'>;
  /** Marks a consent revoked; resolves without writing when it does not exist or is already revoked. */
  revokeConsent(revocation: { patientId: string; consentId: string; revokedAt: string }): Promise<'revoked' | 'missing' | 'already-revoked'>;
  /**
   * Crypto-shreds the patient: removes the wrapped key, sets erased_at, and erases the break-glass
   * reason texts of their access index. Resolves without writing when the patient is missing or
   * already erased. Waits for record writes in progress (they hold the patient row).
   */
  erasePatient(erasure: { patientId: string; erasedAt: string }): Promise<'erased' | 'patient-missing' | 'already-erased'>;
  /** Indexes one access, whose entry (with leaf hash `leafHash`) this transaction appends. */
  insertAccess(access: AccessRecord & { readonly leafHash: string }): Promise<void>;
  /**
   * Claims (actor, route, key) for this request, whose entry (with leaf hash `leafHash`) this
   * transaction appends. Resolves false (and writes nothing) when it was claimed before, by a
   * committed transaction or by one that commits meanwhile.
   */
  claimIdempotencyKey(claim: NewControlClaim): Promise<boolean>;
}

/** The key of an Idempotency-Key claim: scoped to the actor and the route. */
export type ClaimKey = { readonly actorId: string; readonly route: string; readonly key: string };

/** What a consent grant or an erasure with an Idempotency-Key did: enough to rebuild its response. */
export type ControlClaim = ClaimKey & {
  /** SHA-256 (canonical base64) of the canonical JSON of the request. */
  readonly requestSha256: string;
  readonly patientId: string;
  /** The consent a grant created (undefined for an erasure). */
  readonly consentId: string | undefined;
  /** The entry the request journaled; `index` undefined until known. */
  readonly entry: PendingReceipt;
};

export type NewControlClaim = Omit<ControlClaim, 'entry'> & { readonly leafHash: string };

export type PractitionerReadQuery = {
  readonly patientId: string;
  /** The practitioner's actor id. */
  readonly grantee: string;
  /** RFC 3339: when the read happens. */
  readonly at: string;
  /** RFC 3339: the earliest opening of a break-glass window still open at `at`. */
  readonly breakGlassSince: string;
  readonly record?: { readonly recordId: string; readonly version?: number | undefined } | undefined;
};

export type PractitionerRead = {
  /** The consents in force at the query's `at`, in no particular order. */
  readonly consents: ConsentTerms[];
  readonly breakGlass: { readonly at: string; readonly reason: string | undefined } | undefined;
  /** Only when the query named a record. */
  readonly found?: { readonly patient: PatientRow | undefined; readonly row: RecordVersionRow | undefined };
};

export type ConsentIndexUpdate = { readonly patientId: string; readonly consentId: string; readonly receipt: JournalReceipt };

export interface PatientControl {
  /** Runs `work` in one transaction with the journal (as JournalStore.transact). */
  transact<T>(work: (tx: PatientControlTransaction) => Promise<T>): Promise<Transacted<T>>;

  /**
   * Journals one access entry and indexes it in the same transaction; resolves with the entry's
   * receipt once it is integrated and the index row carries it.
   */
  journalAccess(entry: Uint8Array, access: AccessRecord): Promise<JournalReceipt>;

  /** Records the journal index of a committed `consent.granted` entry. Idempotent. */
  setConsentIndex(update: ConsentIndexUpdate): Promise<void>;

  /** The claim made earlier for (actor, route, key) by a consent grant or an erasure, if any. */
  idempotencyClaim(query: ClaimKey): Promise<ControlClaim | undefined>;

  /** Records the journal index of a committed claim's entry. Idempotent. */
  setClaimIndex(update: ClaimKey & { readonly receipt: JournalReceipt }): Promise<void>;

  /** Consents whose index a crash left unknown, newest first, at most `limit`; `at` is when each was granted. */
  consentsMissingIndexes(limit: number): Promise<{ patientId: string; consentId: string; leafHash: string; at: string }[]>;

  /** Claims (of consent grants and erasures) whose entry index a crash left unknown, newest first, at most `limit`; `at` is when each was made. */
  claimsMissingIndexes(limit: number): Promise<(ClaimKey & { leafHash: string; at: string })[]>;

  /** Every consent of the patient, revoked ones included, oldest first. */
  consents(patientId: string): Promise<StoredConsent[]>;

  /**
   * What the access policy needs about `grantee`'s read of the patient, in ONE round trip (a
   * practitioner's read then costs as many as the patient's own): `grantee`'s consents from the
   * patient in force at `at` (not revoked, not expired), served by an index on (patient, grantee,
   * expiry) so other grantees' and expired consents are never read; the latest opening of a
   * break-glass window by `grantee` on the patient at or after `breakGlassSince` (an
   * `access.break-glass` access with a stated reason; reads within a window do not extend it),
   * with its stated reason (undefined once erased); and, when `record` is given, the patient and
   * that record version as RecordsProjection.patientRecord finds them (the current version when
   * `record.version` is undefined).
   */
  practitionerRead(query: PractitionerReadQuery): Promise<PractitionerRead>;

  /**
   * The patient's accesses with `since <= at < until`, in index order, after the row `after`,
   * at most `limit` of them. Served from an index on (patient, at, seq): a page costs O(limit).
   */
  accessLog(query: { patientId: string; since?: string | undefined; until?: string | undefined; after?: { at: string; seq: number } | undefined; limit: number }): Promise<AccessLogRow[]>;

  /** Access rows whose index a crash left unknown, newest first, at most `limit`; `at` is the access's time. */
  accessRowsMissingIndexes(limit: number): Promise<{ seq: number; leafHash: string; at: string }[]>;

  /** Records the journal indexes of access rows. Idempotent. */
  setAccessIndexes(updates: readonly { seq: number; receipt: JournalReceipt }[]): Promise<void>;
}
