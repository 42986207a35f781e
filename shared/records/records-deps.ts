import type { JournalStore } from '../ports/journal-store.ts';
import type { KeyVault } from '../ports/key-vault.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { PatientControl } from '../ports/patient-control.ts';
import type { RecordCipher } from '../ports/record-cipher.ts';
import type { RecordsProjection } from '../ports/records-projection.ts';
import type { PatientRowCache } from './patient-row-cache.ts';

/** What the record use cases are built over; each takes the part it needs. */
export type RecordsDeps = {
  /** Journals entries that come with no projection change (reads, denials, integrity failures). */
  readonly journal: Pick<JournalStore, 'append'>;
  readonly projection: RecordsProjection;
  readonly objects: ObjectStore;
  /** Usually a PatientKeyCache in front of the real vault. */
  readonly keys: KeyVault;
  readonly cipher: RecordCipher;
  readonly clock: () => Date;
  /** A fresh UUID (crypto.randomUUID). */
  readonly newId: () => string;
  /** Patients as writes need them, cached; without it every write looks the patient up. */
  readonly patientRows?: PatientRowCache;
  /**
   * Consents, break-glass windows and the per-patient access index (shared/consent/). Every
   * composition root provides it; without it practitioners read nothing and accesses are
   * journaled but not indexed.
   */
  readonly control?: PatientControl;
  /** How long a break-glass stays open for that practitioner and patient; default 4 hours. */
  readonly breakGlassWindowMs?: number;
};
