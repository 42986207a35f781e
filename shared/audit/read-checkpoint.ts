/**
 * GET /v1/ledger/checkpoint and GET /v1/ledger/key (API.md): public, no journaling (they reveal
 * nothing about any patient). The checkpoint is the latest signed one; before the first, one is
 * signed on demand, so a fresh deployment answers too.
 */
import { NotFoundError } from '../errors.ts';
import type { JournalStore } from '../ports/journal-store.ts';

export type ReadCheckpointDeps = { readonly journal: Pick<JournalStore, 'latestCheckpoint' | 'checkpoint'> };

/** Resolves with the latest signed checkpoint note (C2SP signed note text). */
export function makeReadCheckpoint(deps: ReadCheckpointDeps): () => Promise<string> {
  return async function readCheckpoint() {
    const checkpoint = (await deps.journal.latestCheckpoint()) ?? (await deps.journal.checkpoint());
    if (checkpoint === undefined) throw new NotFoundError({ resource: 'checkpoint' });
    return checkpoint.note;
  };
}

/** Resolves with the log's verifier key (C2SP vkey), followed by a newline as key files are. */
export function makeReadVerifierKey(deps: { readonly vkey: string }): () => Promise<string> {
  return async function readVerifierKey() {
    return `${deps.vkey}\n`;
  };
}
