/**
 * The checkpoint Lambda (ARCHITECTURE.md D1, D6), run every minute by a schedule: what
 * functions/local/checkpointer.ts does on a timer locally. It asks the journal for a checkpoint
 * covering the current tree head (the store's policy still decides whether a signature is due),
 * and writes the signed note to the checkpoints bucket, the witness copy under Object Lock.
 *
 * The object key is the tree size, so a round where the tree did not grow finds the same note
 * already stored (ObjectExistsError) and writes nothing: the job can run any number of times.
 *
 * Then it completes any receipt a crashed API invocation left without its journal index
 * (shared/audit/repair-receipts.ts): in AWS no process restarts after a crash to do it, and until
 * it is done a replay of that request's Idempotency-Key answers 409 "in progress". The checkpoint
 * comes first, so that a failing repair never holds back a signature, and a failed checkpoint (S3
 * or KMS down) does not hold back the repair.
 */
import type { RepairResult } from '../../shared/audit/repair-receipts.ts';
import type { JournalStore } from '../../shared/ports/journal-store.ts';
import { ObjectExistsError, type ObjectStore } from '../../shared/ports/object-store.ts';
import { jobHandler, type JobLog } from '../aws/job-handler.ts';

export type CheckpointJobDeps = {
  journal: Pick<JournalStore, 'treeHead' | 'checkpoint'>;
  /** The checkpoints bucket; undefined when the deployment keeps no witness copy. */
  witness: ObjectStore | undefined;
  /** Completes the receipts crashes left without an index (repairReceipts over the API's stores). */
  repairReceipts: () => Promise<RepairResult>;
  log: JobLog;
};

export type CheckpointJobResult = {
  size: number | undefined;
  stored: 'written' | 'already-stored' | 'not-kept' | 'none-signed';
  receipts: RepairResult;
};

/** The witness object key of the checkpoint of `size` entries; zero-padded so keys sort by size. */
export const checkpointObjectKey = (size: number): string => `checkpoints/${String(size).padStart(16, '0')}`;

export function makeCheckpointHandler(deps: CheckpointJobDeps): (event: unknown) => Promise<CheckpointJobResult> {
  return async () => {
    // The repair runs whatever became of the checkpoint (S3 or KMS down), and the checkpoint whatever the repair does.
    let result: Omit<CheckpointJobResult, 'receipts'> | undefined;
    let checkpointError: unknown;
    try {
      const head = await deps.journal.treeHead();
      const signed = await deps.journal.checkpoint({ covering: head.size });
      const stored = signed === undefined ? 'none-signed' : deps.witness === undefined ? 'not-kept' : await store(deps.witness, signed.size, signed.note);
      deps.log.info('checkpoint round', { treeSize: head.size, checkpointSize: signed?.size, stored });
      result = { size: signed?.size, stored };
    } catch (error) {
      checkpointError = error;
    }
    const receipts = await deps.repairReceipts();
    if (receipts.repaired > 0) deps.log.warn('completed receipts after a crash', { ...receipts });
    if (result === undefined) throw checkpointError;
    return { ...result, receipts };
  };
}

async function store(witness: ObjectStore, size: number, note: string): Promise<CheckpointJobResult['stored']> {
  const body = new TextEncoder().encode(note);
  const sha256 = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  try {
    await witness.putObject({ key: checkpointObjectKey(size), body, sha256 });
    return 'written';
  } catch (error) {
    if (error instanceof ObjectExistsError) return 'already-stored';
    throw error;
  }
}

export const handler = jobHandler(makeCheckpointHandler, async () => (await import('../aws/compose-checkpointer.ts')).awsCheckpointDeps());
