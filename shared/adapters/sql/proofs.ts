/**
 * Proofs from the stored tree: the ledger's ProofPlan says which complete nodes a proof needs,
 * shared/ledger/tiles.ts says which stored spans those come from, one statement fetches the spans
 * (one indexed range scan each: O(log n) reads) together with the tree size, and the plan's rehash
 * turns them into the proof.
 */
import { HASH_SIZE, type Hash } from '../../ledger/hashing.ts';
import { consistencyProofPlan, inclusionProofPlan, type ProofPlan } from '../../ledger/proof.ts';
import { hashNodes, storedSpans } from '../../ledger/tiles.ts';
import { JournalCorruptionError, TreeSizeOutOfRangeError } from '../../ports/journal-store.ts';
import { toBytes, toSafeInteger, type SqlSession } from './executor.ts';
import { QUERIES } from './queries.ts';

/**
 * The RFC 9162 inclusion proof for leaf `index` in the tree of `size`, and with `withEntry` the
 * entry's bytes. Requires 0 <= index < size (else IndexOutOfRangeError) and size <= the integrated
 * size (else TreeSizeOutOfRangeError).
 */
export async function readInclusionProof(
  session: SqlSession,
  options: { index: number; size: number; withEntry?: boolean },
): Promise<{ proof: Hash[]; entry?: Uint8Array }> {
  const { index, size, withEntry = false } = options;
  return readProof(session, inclusionProofPlan(index, size), size, withEntry ? index : undefined);
}

/**
 * The RFC 9162 consistency proof between sizes. Requires 0 < size1 <= size2 (else
 * InvalidTreeSizesError) and size2 <= the integrated size (else TreeSizeOutOfRangeError).
 */
export async function readConsistencyProof(session: SqlSession, size1: number, size2: number): Promise<Hash[]> {
  return (await readProof(session, consistencyProofPlan(size1, size2), size2, undefined)).proof;
}

async function readProof(
  session: SqlSession,
  plan: ProofPlan,
  treeSize: number,
  entryIndex: number | undefined,
): Promise<{ proof: Hash[]; entry?: Uint8Array }> {
  const spans = storedSpans(plan.ids);
  const entrySpans = spans.filter((span) => span.level === 0);
  const nodeSpans = spans.filter((span) => span.level > 0);
  const rows = await session.query<{ level: unknown; idx: unknown; hash: unknown }>(QUERIES.proofData, [
    entrySpans.map((span) => span.begin),
    entrySpans.map((span) => span.end),
    nodeSpans.map((span) => span.level),
    nodeSpans.map((span) => span.begin),
    nodeSpans.map((span) => span.end),
    entryIndex ?? null,
  ]);
  let integratedSize: number | undefined;
  let entry: Uint8Array | undefined;
  const stored = new Map<number, Map<number, Hash>>();
  for (const row of rows) {
    const level = toSafeInteger(row.level, 'level');
    const index = toSafeInteger(row.idx, 'index');
    if (level === -1) {
      integratedSize = index;
      continue;
    }
    const bytes = toBytes(row.hash, 'stored hash');
    if (level === -2) {
      entry = bytes.slice();
      continue;
    }
    if (bytes.length !== HASH_SIZE) throw new JournalCorruptionError(`stored node (${level}, ${index}) has ${bytes.length} bytes, want ${HASH_SIZE}`);
    let atLevel = stored.get(level);
    if (atLevel === undefined) stored.set(level, (atLevel = new Map()));
    atLevel.set(index, bytes);
  }
  if (integratedSize === undefined) throw new JournalCorruptionError('the journal head row is missing');
  // Checked after the read, which costs nothing extra: the spans of a tree beyond the head just come back short.
  if (treeSize > integratedSize) throw new TreeSizeOutOfRangeError(treeSize, integratedSize);
  if (entryIndex !== undefined && entry === undefined) throw new JournalCorruptionError(`entry ${entryIndex} is missing`);
  const hashes = hashNodes(plan.ids, (level, index) => {
    const hash = stored.get(level)?.get(index);
    if (hash === undefined) {
      throw new JournalCorruptionError(level === 0 ? `entry ${index} is missing` : `tree node (level ${level}, index ${index}) is missing`);
    }
    return hash;
  });
  return { proof: plan.rehash(hashes), ...(entry === undefined ? {} : { entry }) };
}
