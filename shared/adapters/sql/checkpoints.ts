/**
 * Signing checkpoints: never two inconsistent ones, never more often than the policy allows.
 *
 * The order of steps is the argument:
 * 1. Take the checkpoint lock (transaction-level). From here on no other signer of this journal
 *    runs, so "the last signed checkpoint" cannot change under us.
 * 2. Read the last checkpoint and check its signature with our own key: a tampered row must not
 *    become the anchor of the next consistency check.
 * 3. Read the integrated tree head. Integrations may go on concurrently; they only ever extend the
 *    tree, and we sign the head we read, whose nodes are all committed.
 * 4. Prove, from the stored nodes, that the head extends the last checkpoint, and verify the proof
 *    against both roots. A truncated or rewritten tree fails here and nothing is signed.
 * 5. Sign, insert, commit. If we crash after signing but before the commit, the signature is lost
 *    and never published: harmless, the next signer signs again.
 */
import { verifyConsistency } from '../../ledger/verify.ts';
import { openCheckpoint, signCheckpoint } from '../../ledger/note.ts';
import { parseCheckpoint } from '../../ledger/checkpoint.ts';
import { verifierFromVkey } from '../../ledger/vkey.ts';
import { equalHashes } from '../../ledger/hashing.ts';
import { checkpointDue, type CheckpointPolicy } from '../../ledger/sequencing.ts';
import { InconsistentTreeError, JournalCorruptionError, type SignedCheckpoint, type TreeHead } from '../../ports/journal-store.ts';
import type { CheckpointSigner } from '../../ports/signer.ts';
import { inTransaction, toBytes, toSafeInteger, type SqlSession } from './executor.ts';
import { readConsistencyProof } from './proofs.ts';
import { QUERIES } from './queries.ts';

export type CheckpointSettings = {
  readonly signer: CheckpointSigner;
  readonly origin: string;
  readonly policy: CheckpointPolicy;
  readonly now: () => number;
};

/** The integrated tree head. */
export async function readTreeHead(session: SqlSession): Promise<TreeHead> {
  const [row] = await session.query<{ size: unknown; root: unknown }>(QUERIES.head);
  if (row === undefined) throw new JournalCorruptionError('the journal head row is missing');
  return { size: toSafeInteger(row.size, 'tree size'), root: toBytes(row.root, 'root').slice() };
}

/**
 * The last signed checkpoint. With a signer, its signature is checked (JournalCorruptionError if it
 * does not verify); without one, its body is only parsed.
 */
export async function readLatestCheckpoint(session: SqlSession, signer: CheckpointSigner | undefined): Promise<SignedCheckpoint | undefined> {
  const [row] = await session.query<{ size: unknown; note: string; signed_at_ms: unknown }>(QUERIES.latestCheckpoint);
  if (row === undefined) return undefined;
  const size = toSafeInteger(row.size, 'checkpoint size');
  let body;
  try {
    // Checkpoint bodies have no blank line, so the first one ends the body.
    body = signer === undefined ? parseCheckpoint(row.note.slice(0, row.note.indexOf('\n\n') + 1)) : openCheckpoint(row.note, verifierFromVkey(signer.vkey));
  } catch (error) {
    throw new JournalCorruptionError(`the checkpoint at size ${size} does not open: ${(error as Error).message}`, { cause: error });
  }
  if (body.size !== size) throw new JournalCorruptionError(`the checkpoint stored at size ${size} is for size ${body.size}`);
  return { size, root: body.root, note: row.note, signedAt: toSafeInteger(row.signed_at_ms, 'signed_at') };
}

/** Signs the head when due (see CheckpointSettings.policy) and returns the latest checkpoint. */
export function signCheckpointIfDue(
  session: SqlSession,
  settings: CheckpointSettings,
  wantedSize: number | undefined,
): Promise<SignedCheckpoint | undefined> {
  return inTransaction(session, async () => {
    await session.query(QUERIES.checkpointLock);
    const last = await readLatestCheckpoint(session, settings.signer);
    const head = await readTreeHead(session);
    if (last !== undefined) {
      if (head.size < last.size) throw new InconsistentTreeError(last.size, head.size, 'the tree is smaller than the checkpoint');
      if (head.size === last.size && !equalHashes(head.root, last.root)) {
        throw new InconsistentTreeError(last.size, head.size, 'same size, different root');
      }
    }
    const now = settings.now();
    if (!checkpointDue({ policy: settings.policy, now, treeSize: head.size, last, wantedSize })) return last;
    if (last !== undefined && last.size > 0) {
      try {
        const proof = await readConsistencyProof(session, last.size, head.size);
        verifyConsistency(last.size, head.size, proof, last.root, head.root);
      } catch (error) {
        throw new InconsistentTreeError(last.size, head.size, (error as Error).message, { cause: error });
      }
    }
    const note = await signCheckpoint({ origin: settings.origin, size: head.size, root: head.root, extensions: [] }, settings.signer);
    await session.query(QUERIES.insertCheckpoint, [head.size, note, now]);
    return { size: head.size, root: head.root, note, signedAt: now };
  });
}
