/**
 * A tree built twice over the same entries, for cross-checks: once by the fast code (CompactRange,
 * storing what its `visit` callback reports in an in-memory node store), once as a ReferenceTree.
 */
import { CompactRange } from '../../shared/ledger/compact-range.ts';
import { leafHash, type Hash } from '../../shared/ledger/hashing.ts';
import type { NodeId } from '../../shared/ledger/node-id.ts';
import type { ProofPlan } from '../../shared/ledger/proof.ts';
import { ReferenceTree } from './reference-tree.ts';

/** Complete-subtree hashes by node id, as the journal's storage would keep them. */
export class NodeStore {
  readonly #hashes = new Map<string, Hash>();

  put(id: NodeId, hash: Hash): void {
    this.#hashes.set(key(id), hash);
  }

  get(id: NodeId): Hash {
    const hash = this.#hashes.get(key(id));
    if (!hash) throw new RangeError(`no stored node at level ${id.level}, index ${id.index}`);
    return hash;
  }

  /** Fetches a plan's nodes and rehashes them into the proof, as the journal will. */
  proof(plan: ProofPlan): Hash[] {
    return plan.rehash(plan.ids.map((id) => this.get(id)));
  }
}

export type LedgerTree = {
  readonly size: number;
  readonly store: NodeStore;
  readonly range: CompactRange;
  readonly reference: ReferenceTree;
  readonly leafHashes: readonly Hash[];
};

/** The entry bytes of leaf i: short and distinct, like a journal entry's canonical JSON. */
export function entryAt(i: number): Uint8Array {
  return new TextEncoder().encode(`{"i":${i}}`);
}

export function buildLedgerTree(size: number): LedgerTree {
  const entries = Array.from({ length: size }, (_, i) => entryAt(i));
  const store = new NodeStore();
  const range = CompactRange.empty();
  const leafHashes = entries.map((entry) => leafHash(entry));
  for (const hash of leafHashes) range.append(hash, (id, nodeHash) => store.put(id, nodeHash));
  return { size, store, range, reference: new ReferenceTree(entries), leafHashes };
}

function key(id: NodeId): string {
  return `${id.level}:${id.index}`;
}
