/**
 * The hashing half of the audit, on a worker thread so that it runs beside the thread that reads
 * and parses rows: the ledger core's CompactRange over the leaf hashes of the entries it is sent,
 * chunk after chunk, reporting the stored-level nodes each chunk completes and the roots at the
 * tree sizes it is asked about.
 */
import { parentPort } from 'node:worker_threads';
import { CompactRange } from '../../ledger/compact-range.ts';
import { leafHash, type Hash } from '../../ledger/hashing.ts';
import { isStoredNodeLevel } from '../../ledger/tiles.ts';

/** Entries [begin, begin + ends.length): entry i is bytes[ends[i - 1] ?? 0, ends[i]). */
export type AuditChunk = { readonly begin: number; readonly bytes: Uint8Array; readonly ends: Uint32Array; readonly rootsAt: readonly number[] };

export type AuditChunkResult = {
  readonly begin: number;
  readonly end: number;
  readonly nodes: { level: number; index: number; hash: Hash }[];
  readonly roots: { size: number; root: Hash }[];
};

const port = parentPort;
if (port === null) throw new Error('audit-worker.ts runs as a worker thread');

const range = CompactRange.empty();

port.on('message', (chunk: AuditChunk) => {
  if (chunk.begin !== range.size) throw new Error(`chunk starts at ${chunk.begin}, the tree has ${range.size} leaves`);
  const nodes: AuditChunkResult['nodes'] = [];
  const roots: AuditChunkResult['roots'] = [];
  const visit = (id: { level: number; index: number }, hash: Hash) => {
    if (isStoredNodeLevel(id.level)) nodes.push({ level: id.level, index: id.index, hash });
  };
  let wanted = 0;
  const rootsDue = () => {
    while (wanted < chunk.rootsAt.length && chunk.rootsAt[wanted] === range.size) {
      roots.push({ size: range.size, root: range.root() });
      wanted++;
    }
  };
  rootsDue();
  let start = 0;
  for (const end of chunk.ends) {
    range.append(leafHash(chunk.bytes.subarray(start, end)), visit);
    start = end;
    rootsDue();
  }
  const result: AuditChunkResult = { begin: chunk.begin, end: range.size, nodes, roots };
  port.postMessage(result);
});
