import { expect } from 'vitest';
import { ForbiddenError } from '../../../shared/errors.ts';
import type { JournalEntry } from '../../../shared/ledger/entry.ts';
import type { RecordsFixture } from './records-fixture.ts';

/**
 * The journal entry whose receipt came back with `attempt`'s ForbiddenError; or, when the attempt
 * did not end that way, a description of how it ended (so an expectation on it fails readably).
 */
export async function denialEntry(fixture: RecordsFixture, attempt: Promise<unknown>): Promise<JournalEntry | string> {
  const error = await attempt.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ForbiddenError)) return `not denied: ${error === undefined ? 'succeeded' : String(error)}`;
  if (error.receipt === undefined) return 'denied without a receipt';
  return fixture.journalEntry(error.receipt.index);
}

/** What `denialEntry` should match for a journaled denial. */
export function denial(expected: { actorId: string; action: string; reason: string; patient?: string }): Record<string, unknown> {
  return {
    type: 'access.denied',
    actor: expect.objectContaining({ id: expected.actorId }),
    action: expected.action,
    reason: expected.reason,
    ...(expected.patient === undefined ? {} : { patient: expected.patient }),
  };
}
