/**
 * GET /v1/ledger/consistency?from&to (API.md): public. The RFC 9162 consistency proof that the tree
 * of `to` entries extends the tree of `from` entries, for monitors comparing checkpoints. `to`
 * defaults to the latest signed checkpoint's size. From the empty tree (`from` = 0) the proof is
 * empty, as `chartproof verify` expects.
 */
import { NotFoundError, ValidationError } from '../errors.ts';
import { encodeBase64 } from '../ledger/strict-base64.ts';
import type { JournalStore } from '../ports/journal-store.ts';

export type ReadConsistencyProofDeps = { readonly journal: Pick<JournalStore, 'treeHead' | 'latestCheckpoint' | 'consistencyProof'> };

export type ReadConsistencyProofInput = {
  /** Requires a safe integer >= 0. */
  readonly from: number;
  /** Requires a safe integer with from <= to <= the tree size, when given. */
  readonly to?: number | undefined;
};

export type ConsistencyProofResult = { readonly from: number; readonly to: number; readonly proof: string[] };

export function makeReadConsistencyProof(deps: ReadConsistencyProofDeps): (input: ReadConsistencyProofInput) => Promise<ConsistencyProofResult> {
  return async function readConsistencyProof(input) {
    const { from } = input;
    if (!Number.isSafeInteger(from) || from < 0) throw new ValidationError([{ path: 'query.from', message: 'must be an integer >= 0' }]);
    let to = input.to;
    if (to === undefined) {
      const latest = await deps.journal.latestCheckpoint();
      if (latest === undefined) throw new NotFoundError({ resource: 'checkpoint' });
      to = latest.size;
    }
    if (!Number.isSafeInteger(to) || to < from) throw new ValidationError([{ path: 'query.to', message: `must be an integer >= from (${from})` }]);
    const head = await deps.journal.treeHead();
    if (to > head.size) throw new ValidationError([{ path: 'query.to', message: `must be at most the tree size ${head.size}` }]);
    const proof = from === 0 || from === to ? [] : await deps.journal.consistencyProof(from, to);
    return { from, to, proof: proof.map(encodeBase64) };
  };
}
