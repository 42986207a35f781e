import { bitLength, shiftLeft, shiftRight, trailingZeros } from './bits.ts';

/**
 * Node (level, index) is the complete subtree over leaves [index * 2^level, (index + 1) * 2^level).
 * Level 0 = leaves. Only complete subtrees have ids: their hashes never change once written, so
 * they are what storage keeps. The right edge of a tree whose size is not a power of two is made
 * of "ephemeral" nodes that are recomputed from complete ones.
 */
export type NodeId = { readonly level: number; readonly index: number };

export function nodeId(level: number, index: number): NodeId {
  return { level, index };
}

/** The leaves [begin, end) a node covers. */
export function nodeCoverage(id: NodeId): { begin: number; end: number } {
  return { begin: shiftLeft(id.index, id.level), end: shiftLeft(id.index + 1, id.level) };
}

/**
 * The fewest complete subtrees that exactly cover leaves [begin, end), left to right. When begin is
 * a multiple of the largest power of two not exceeding end - begin (true of [0, size) and of every
 * range a proof needs), they come out largest first, which is how RFC 9162 splits that range.
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  const ids: NodeId[] = [];
  let cursor = begin;
  while (cursor < end) {
    // The largest aligned subtree starting at cursor that does not run past end.
    const fits = bitLength(end - cursor) - 1;
    const level = cursor === 0 ? fits : Math.min(fits, trailingZeros(cursor));
    ids.push(nodeId(level, shiftRight(cursor, level)));
    cursor += 2 ** level;
  }
  return ids;
}
