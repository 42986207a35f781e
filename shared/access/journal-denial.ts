/**
 * Every denied attempt is journaled (ARCHITECTURE.md D3): the denial's `access.denied` entry is
 * written first, and the ForbiddenError the caller throws carries its receipt, so the refused
 * client, like everyone else, can verify that the attempt was recorded.
 */
import { ForbiddenError } from '../errors.ts';
import { entryBytes } from '../ledger/entry.ts';
import type { Actor } from './actor.ts';
import { journalAccess, type JournalAccessDeps } from './journal-access.ts';

export type Denial = {
  readonly actor: Actor;
  /** What was attempted, e.g. `record.read`. */
  readonly action: string;
  /** Why it was refused, e.g. `no-consent`. */
  readonly reason: string;
  /** The patient whose data the attempt concerned. */
  readonly patientId: string;
  readonly recordIds?: readonly string[];
};

const EXPLANATIONS: Record<string, string> = {
  'not-own-records': 'a patient may only act on their own records',
  'no-consent': 'no consent covers this read',
  'role-not-permitted': 'this role may not do this',
};

/**
 * Journals `denial` as `access.denied` (indexed in the patient's access log, and alerted, when the
 * deps have patient control and an alert sink) and returns the error to throw, carrying the receipt.
 */
export async function journalDenial(
  deps: JournalAccessDeps & { readonly clock: () => Date },
  denial: Denial,
): Promise<ForbiddenError> {
  const at = deps.clock().toISOString();
  const bytes = entryBytes({
    v: 1,
    type: 'access.denied',
    at,
    actor: { id: denial.actor.id, role: denial.actor.role },
    patient: denial.patientId,
    action: denial.action,
    reason: denial.reason,
    ...(denial.recordIds === undefined ? {} : { recordIds: [...denial.recordIds] }),
  });
  const actor = { id: denial.actor.id, role: denial.actor.role };
  const recordIds = [...(denial.recordIds ?? [])];
  const receipt = await journalAccess(deps, bytes, {
    patientId: denial.patientId,
    at,
    actor,
    action: denial.action,
    outcome: 'deny',
    recordIds,
    reason: denial.reason,
  });
  const explanation = EXPLANATIONS[denial.reason] ?? denial.reason;
  return new ForbiddenError(`${denial.action} denied: ${explanation}; the attempt was journaled`, { receipt });
}
