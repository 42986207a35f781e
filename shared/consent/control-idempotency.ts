/**
 * Idempotency-Key for patient control's POSTs (a consent grant, an erasure), following the flow of
 * shared/idempotency/idempotency.ts: replay a claim made before (refuse it if for another
 * request), else do the work, claiming the key in its transaction; if a concurrent request with
 * the same key committed first, replay that one. The claim holds the receipt of the entry the
 * request journaled, so a replay writes nothing and answers with the first response's receipt.
 */
import { IdempotencyInProgressError, type JournalReceipt } from '../errors.ts';
import { AlreadyClaimedError, priorClaim, type IdempotentRequest } from '../idempotency/idempotency.ts';
import type { ControlClaim, PatientControl, PatientControlTransaction } from '../ports/patient-control.ts';

/** A committed claim, with its entry's receipt complete. */
export type ReplayedClaim = ControlClaim & { readonly entry: JournalReceipt };

/**
 * `run()`, or, when `request` was seen before, `replay` of its claim. `run` claims the key with
 * `claimInTransaction` and records its receipt with `recordClaimIndex`.
 */
export async function idempotently<Result>(
  control: Pick<PatientControl, 'idempotencyClaim'>,
  request: IdempotentRequest | undefined,
  work: { run: () => Promise<Result>; replay: (claim: ReplayedClaim) => Result },
): Promise<Result> {
  if (request === undefined) return work.run();
  const prior = await priorClaim(control, request);
  if (prior !== undefined) return work.replay(completed(prior, request));
  try {
    return await work.run();
  } catch (error) {
    if (!(error instanceof AlreadyClaimedError)) throw error;
    const winner = await priorClaim(control, request);
    if (winner === undefined) throw error;
    return work.replay(completed(winner, request));
  }
}

/** Claims `request`'s key in `tx` for the entry with leaf hash `leafHash`; throws AlreadyClaimedError if it is taken. */
export async function claimInTransaction(
  tx: Pick<PatientControlTransaction, 'claimIdempotencyKey'>,
  request: IdempotentRequest | undefined,
  claim: { patientId: string; consentId?: string; leafHash: string },
): Promise<void> {
  if (request === undefined) return;
  const claimed = await tx.claimIdempotencyKey({ ...request, patientId: claim.patientId, consentId: claim.consentId, leafHash: claim.leafHash });
  if (!claimed) throw new AlreadyClaimedError(`idempotency key already claimed for ${request.route}`);
}

/** After the commit: the claim's entry index, so replays can answer with the receipt. */
export async function recordClaimIndex(
  control: Pick<PatientControl, 'setClaimIndex'>,
  request: IdempotentRequest | undefined,
  receipt: JournalReceipt,
): Promise<void> {
  if (request === undefined) return;
  await control.setClaimIndex({ actorId: request.actorId, route: request.route, key: request.key, receipt });
}

function completed(claim: ControlClaim, request: IdempotentRequest): ReplayedClaim {
  // Committed, but its receipt not recorded yet: the first request is still finishing.
  if (claim.entry.index === undefined) throw new IdempotencyInProgressError({ key: request.key });
  return { ...claim, entry: { index: claim.entry.index, leafHash: claim.entry.leafHash } };
}
