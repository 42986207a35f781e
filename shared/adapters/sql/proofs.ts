/**
 * Proofs from the stored tree: the ledger's ProofPlan says which complete nodes a proof needs,
 * shared/ledger/tiles.ts says which stored spans those come from, one statement fetches the spans
 * (one indexed range scan each: O(log n) reads), and the plan's rehash turns them into the proof.
 */
import { HASH_SIZE, type Hash } from '../../ledger/hashing.ts';
import { consistencyProofPlan, inclusionProofPlan, type ProofPlan } from '../../ledger/proof.ts';
import { hashNodes, storedSpans } from '../../ledger/tiles.ts';
import { JournalCorruptionError } from '../../ports/journal-store.ts';
import { toBytes, toSafeInteger, type SqlSession } from './executor.ts';
import { QUERIES } from './queries.ts';

/** The RFC 9162 inclusion proof for leaf `index` in the tree of `size`. Requires 0 <= index < size <= the integrated size. */
export function readInclusionProof(session: SqlSession, index: number, size: number): Promise<Hash[]> {
  return readProof(session, inclusionProofPlan(index, size));
}

/** The RFC 9162 consistency proof between sizes. Requires 0 < size1 <= size2 <= the integrated size. */
export function readConsistencyProof(session: SqlSession, size1: number, size2: number): Promise<Hash[]> {
  return readProof(session, consistencyProofPlan(size1, size2));
}

async function readProof(session: SqlSession, plan: ProofPlan): Promise<Hash[]> {
  if (plan.ids.length === 0) return plan.rehash([]);
  const spans = storedSpans(plan.ids);
  const entrySpans = spans.filter((span) => span.level === 0);
  const nodeSpans = spans.filter((span) => span.level > 0);
  const rows = await session.query<{ level: unknown; idx: unknown; hash: unknown }>(QUERIES.storedHashes, [
    entrySpans.map((span) => span.begin),
    entrySpans.map((span) => span.end),
    nodeSpans.map((span) => span.level),
    nodeSpans.map((span) => span.begin),
    nodeSpans.map((span) => span.end),
  ]);
  const stored = new Map<number, Map<number, Hash>>();
  for (const row of rows) {
    const hash = toBytes(row.hash, 'stored hash');
    const level = toSafeInteger(row.level, 'level');
    const index = toSafeInteger(row.idx, 'index');
    if (hash.length !== HASH_SIZE) throw new JournalCorruptionError(`stored node (${level}, ${index}) has ${hash.length} bytes, want ${HASH_SIZE}`);
    let atLevel = stored.get(level);
    if (atLevel === undefined) stored.set(level, (atLevel = new Map()));
    atLevel.set(index, hash);
  }
  const hashes = hashNodes(plan.ids, (level, index) => {
    const hash = stored.get(level)?.get(index);
    if (hash === undefined) {
      throw new JournalCorruptionError(level === 0 ? `entry ${index} is missing` : `tree node (level ${level}, index ${index}) is missing`);
    }
    return hash;
  });
  return plan.rehash(hashes);
}
