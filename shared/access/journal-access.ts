/**
 * Journals one access to a patient's data (ARCHITECTURE.md D1 "Storage", D3): the entry, and in
 * the same transaction its row in the per-patient access index that the access log reads. Without
 * patient control (tests of the records core alone) only the entry is written.
 */
import type { JournalReceipt } from '../errors.ts';
import type { JournalStore } from '../ports/journal-store.ts';
import type { AccessRecord, PatientControl } from '../ports/patient-control.ts';
import { onlyReceipt, toJournalReceipt } from '../records/receipts.ts';

export type JournalAccessDeps = {
  readonly journal: Pick<JournalStore, 'append'>;
  readonly control?: Pick<PatientControl, 'journalAccess'> | undefined;
};

/** Journals `entry` (entry bytes) and indexes `access`; resolves with the entry's receipt. */
export async function journalAccess(deps: JournalAccessDeps, entry: Uint8Array, access: AccessRecord): Promise<JournalReceipt> {
  if (deps.control !== undefined) return deps.control.journalAccess(entry, access);
  return toJournalReceipt(onlyReceipt(await deps.journal.append([entry])));
}
