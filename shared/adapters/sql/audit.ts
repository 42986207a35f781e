/**
 * The journal audit: recomputes the whole tree from the stored entry bytes with the ledger core
 * (not with the database's own integration code), and checks every stored node, the tree head and
 * every signed checkpoint against it. It stops at the first problem, in journal order, and names it.
 *
 * What a tampered byte turns into:
 * - an entry: the tree node at level 4 over its 16-entry block (or, in the last, incomplete block,
 *   the next checkpoint or the tree head) no longer matches; with `checkEntry` (the CLI passes the
 *   journal entry format), most changes are caught at the entry itself;
 * - a tree node: that node;
 * - a checkpoint: its signature, or its root against the recomputed tree at its size;
 * - a removed tail: the checkpoints beyond the tree, or the head.
 */
import { Worker } from 'node:worker_threads';
import { parseCheckpoint } from '../../ledger/checkpoint.ts';
import { EMPTY_ROOT, equalHashes, type Hash } from '../../ledger/hashing.ts';
import { openNote, type NoteVerifier } from '../../ledger/note.ts';
import { parseEntryBytes } from '../../ledger/entry.ts';
import { TILE_HEIGHT } from '../../ledger/tiles.ts';
import type { AuditChunk, AuditChunkResult } from './audit-worker.ts';
import { toBytes, toSafeInteger, type SqlExecutor, type SqlSession } from './executor.ts';
import { QUERIES } from './queries.ts';

export type AuditProblem = {
  /** Where: "entry 1234", "tree node (level 4, index 77)", "checkpoint at size 1000", "tree head at size 1200". */
  readonly place: string;
  /** The first bad entry index the problem implicates, when there is one. */
  readonly index?: number;
  readonly message: string;
};

export type AuditReport = {
  readonly treeSize: number;
  readonly entriesChecked: number;
  readonly nodesChecked: number;
  readonly checkpointsChecked: number;
  /** The first problem found, in journal order; undefined when the journal verifies. */
  readonly problem?: AuditProblem;
};

/** The journal has signed checkpoints and no verifier was given to check them: not a fault of the journal. */
export class AuditVerifierRequiredError extends Error {
  override name = 'AuditVerifierRequiredError';
  constructor(checkpointSize: number) {
    super(`the journal has signed checkpoints (one at size ${checkpointSize}): a verifier key is needed to check them`);
  }
}

export type AuditOptions = {
  /** Checks checkpoint signatures. Required when the journal has checkpoints (else AuditVerifierRequiredError). */
  readonly verifier?: NoteVerifier;
  /** Optional check of each entry's bytes (for example the journal entry format); returns a reason when they are wrong. */
  readonly checkEntry?: (entry: Uint8Array, index: number) => string | undefined;
  /** Called as entries are verified: (entries done, tree size). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Entries per read; a multiple of 2^TILE_HEIGHT. Default 32768. */
  readonly chunkSize?: number;
};

/** An AuditOptions.checkEntry for Chartproof's journal: each entry must be the canonical JSON of a schema-valid journal entry. */
export function checkJournalEntryFormat(entry: Uint8Array): string | undefined {
  try {
    parseEntryBytes(entry);
    return undefined;
  } catch (error) {
    return `is not a journal entry: ${(error as Error).message}`;
  }
}

const ENTRIES_CHUNK = String.raw`SELECT idx, entry FROM chartproof.journal_entries WHERE idx >= $1::bigint AND idx < $2::bigint ORDER BY idx`;

type StoredCheckpoint = { size: number; root: Hash };

/**
 * Audits the journal reachable through `executor`. Never throws for a bad journal: the report says.
 * Reads one snapshot (a repeatable-read, read-only transaction), so it can audit a journal that
 * writers keep appending to: it checks the tree as of its start.
 */
export async function auditJournal(executor: SqlExecutor, options: AuditOptions = {}): Promise<AuditReport> {
  return executor.withSession(async (session) => {
    await session.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      return await audit(session, options);
    } finally {
      await session.query('ROLLBACK');
    }
  });
}

async function audit(session: SqlSession, options: AuditOptions): Promise<AuditReport> {
  const chunkSize = options.chunkSize ?? 32_768;
  if (chunkSize <= 0 || chunkSize % 2 ** TILE_HEIGHT !== 0) throw new RangeError(`chunkSize ${chunkSize} is not a positive multiple of ${2 ** TILE_HEIGHT}`);
  const [headRow] = await session.query<{ size: unknown; root: unknown }>(QUERIES.head);
  const treeSize = headRow === undefined ? 0 : toSafeInteger(headRow.size, 'tree size');
  let entriesChecked = 0;
  let nodesChecked = 0;
  const report = (problem?: AuditProblem): AuditReport => ({
    treeSize,
    entriesChecked,
    nodesChecked,
    checkpointsChecked: checkpoints.length,
    ...(problem === undefined ? {} : { problem }),
  });
  const checkpoints: StoredCheckpoint[] = [];
  if (headRow === undefined) return report({ place: 'tree head', message: 'the tree head row is missing' });

  // Checkpoints: every signature, oldest first; the roots are checked as the tree reaches each size.
  const checkpointRows = await session.query<{ size: unknown; note: string }>('SELECT size, note FROM chartproof.checkpoints ORDER BY size');
  for (const row of checkpointRows) {
    const size = toSafeInteger(row.size, 'checkpoint size');
    const place = `checkpoint at size ${size}`;
    if (options.verifier === undefined) throw new AuditVerifierRequiredError(size);
    let body;
    try {
      body = parseCheckpoint(openNote(row.note, [options.verifier]).text);
    } catch (error) {
      return report({ place, message: `its signature or format does not verify: ${(error as Error).message}` });
    }
    if (body.size !== size) return report({ place, message: `the note is for size ${body.size}` });
    if (size > treeSize) {
      return report({ place, index: treeSize, message: `the journal holds only ${treeSize} entries: it lost entries that were signed` });
    }
    checkpoints.push({ size, root: body.root });
  }
  // Entries, chunk by chunk: this thread reads and checks rows while a worker thread hashes the
  // previous chunks with the ledger core. Problems are ranked by the position where they become
  // detectable (an entry at its index, a node at its last leaf, a root at its size - 1), so the
  // report names the same first problem a one-pass audit would.
  const hasher = new Hasher();
  let best: Ranked | undefined;
  const consider = (candidate: Ranked) => {
    if (best === undefined || candidate.position < best.position) best = candidate;
  };
  const wantedRoots = new Map(checkpoints.map((checkpoint) => [checkpoint.size, checkpoint.root]));
  let nextRoot = 0;
  const rootSizes = [...new Set([...checkpoints.map((checkpoint) => checkpoint.size), treeSize])].sort((a, b) => a - b);
  let headRootFromEntries: Hash = EMPTY_ROOT;
  const examine = (result: AuditChunkResult, stored: Map<string, Hash>) => {
    for (const { level, index, hash } of result.nodes) {
      nodesChecked++;
      const first = index * 2 ** level;
      const last = first + 2 ** level - 1;
      const place = `tree node (level ${level}, index ${index})`;
      const covering = `covering entries [${first}, ${last + 1})`;
      const storedHash = stored.get(`${level}/${index}`);
      if (storedHash === undefined) consider({ position: last, problem: { place, index: first, message: `is missing (${covering})` } });
      else if (!equalHashes(storedHash, hash)) {
        consider({ position: last, problem: { place, index: first, message: `${covering} does not match them: stored ${hex(storedHash)}, recomputed ${hex(hash)}` } });
      }
    }
    for (const { size, root } of result.roots) {
      if (size === treeSize) headRootFromEntries = root;
      const signed = wantedRoots.get(size);
      if (signed !== undefined && !equalHashes(signed, root)) {
        consider({
          position: Math.max(0, size - 1),
          problem: { place: `checkpoint at size ${size}`, index: Math.max(0, size - 1), message: `its root ${hex(signed)} does not match the entries, which give ${hex(root)}` },
        });
      }
    }
    entriesChecked = result.end;
    options.onProgress?.(result.end, treeSize);
  };

  try {
    const readChunk = (begin: number) =>
      Promise.all([
        session.query<{ idx: unknown; entry: unknown }>(ENTRIES_CHUNK, [begin, Math.min(begin + chunkSize, treeSize)]),
        readNodes(session, begin, Math.min(begin + chunkSize, treeSize)),
      ]);
    const inFlight: { result: Promise<AuditChunkResult>; stored: Map<string, Hash> }[] = [];
    let pending = treeSize > 0 ? readChunk(0) : undefined;
    for (let begin = 0; begin < treeSize && pending !== undefined; begin += chunkSize) {
      const [rows, stored] = await pending;
      const end = Math.min(begin + chunkSize, treeSize);
      pending = end < treeSize ? readChunk(end) : undefined;
      // Check the rows; an entry problem cuts the chunk (and the audit) short at that entry.
      const entries: Uint8Array[] = [];
      for (let i = 0; i < end - begin; i++) {
        const index = begin + i;
        const row = rows[i];
        if (row === undefined || toSafeInteger(row.idx, 'entry index') !== index) {
          consider({ position: index, problem: { place: `entry ${index}`, index, message: 'is missing' } });
          break;
        }
        const entry = toBytes(row.entry, 'entry');
        const entryProblem = options.checkEntry?.(entry, index);
        if (entryProblem !== undefined) {
          consider({ position: index, problem: { place: `entry ${index}`, index, message: entryProblem } });
          break;
        }
        entries.push(entry);
      }
      const rootsAt: number[] = [];
      while (nextRoot < rootSizes.length && (rootSizes[nextRoot] as number) <= begin + entries.length) rootsAt.push(rootSizes[nextRoot++] as number);
      inFlight.push({ result: hasher.hash(begin, entries, rootsAt), stored });
      if (best !== undefined) pending = undefined; // nothing later can come before it
      // Keep at most two chunks at the hasher: enough to overlap, little memory.
      while (inFlight.length > (pending === undefined ? 0 : 2)) {
        const oldest = inFlight.shift() as (typeof inFlight)[number];
        examine(await oldest.result, oldest.stored);
      }
      if (best !== undefined) break;
    }
  } finally {
    await hasher.close();
  }
  if (best !== undefined) return report(best.problem);
  // Without entries no chunk is hashed, so the empty tree's checkpoint is checked here.
  const emptyCheckpoint = wantedRoots.get(0);
  if (emptyCheckpoint !== undefined && !equalHashes(emptyCheckpoint, EMPTY_ROOT)) {
    return report({ place: 'checkpoint at size 0', index: 0, message: `its root ${hex(emptyCheckpoint)} is not the empty tree's` });
  }

  // Nothing stored beyond what the tree accounts for, and the head is the recomputed one.
  const [extra] = await session.query<{ entries: unknown; nodes: unknown }>(
    `SELECT (SELECT count(*) FROM chartproof.journal_entries WHERE idx >= $1::bigint) AS entries,
            (SELECT count(*) FROM chartproof.tree_nodes) AS nodes`,
    [treeSize],
  );
  const extraEntries = toSafeInteger(extra?.entries, 'entry count');
  if (extraEntries > 0) return report({ place: `entry ${treeSize}`, index: treeSize, message: `${extraEntries} entries lie beyond the tree head` });
  const storedNodes = toSafeInteger(extra?.nodes, 'node count');
  if (storedNodes !== nodesChecked) {
    return report({ place: 'tree nodes', message: `${storedNodes} are stored, the entries account for ${nodesChecked}` });
  }
  const headRoot = toBytes(headRow.root, 'root');
  const root = headRootFromEntries;
  if (!equalHashes(headRoot, root)) {
    return report({ place: `tree head at size ${treeSize}`, index: Math.max(0, treeSize - 1), message: `its root ${hex(headRoot)} does not match the entries, which give ${hex(root)}` });
  }
  return report();
}

type Ranked = { position: number; problem: AuditProblem };

/** The worker thread that hashes chunks in order (audit-worker.ts). */
class Hasher {
  readonly #worker = new Worker(new URL('./audit-worker.ts', import.meta.url));
  readonly #waiting: { resolve: (result: AuditChunkResult) => void; reject: (error: Error) => void }[] = [];

  constructor() {
    this.#worker.on('message', (result: AuditChunkResult) => this.#waiting.shift()?.resolve(result));
    this.#worker.on('error', (error) => {
      for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
    });
  }

  /** Hashes entries [begin, begin + entries.length) after everything sent before; reports roots at `rootsAt`. */
  hash(begin: number, entries: readonly Uint8Array[], rootsAt: readonly number[]): Promise<AuditChunkResult> {
    const ends = new Uint32Array(entries.length);
    let total = 0;
    entries.forEach((entry, i) => {
      total += entry.length;
      ends[i] = total;
    });
    const bytes = new Uint8Array(total);
    entries.forEach((entry, i) => bytes.set(entry, (ends[i] as number) - entry.length));
    const chunk: AuditChunk = { begin, bytes, ends, rootsAt };
    const result = new Promise<AuditChunkResult>((resolve, reject) => this.#waiting.push({ resolve, reject }));
    this.#worker.postMessage(chunk, [bytes.buffer, ends.buffer]);
    return result;
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}

/** The stored nodes that appending entries [begin, end) completes, keyed "level/index". */
async function readNodes(session: SqlSession, begin: number, end: number): Promise<Map<string, Hash>> {
  const levels: number[] = [];
  const lows: number[] = [];
  const highs: number[] = [];
  // A node at level L completes when leaf (index + 1) * 2^L - 1 is appended.
  for (let level = TILE_HEIGHT; 2 ** level <= end; level += TILE_HEIGHT) {
    const low = Math.ceil((begin + 1) / 2 ** level) - 1;
    const high = Math.floor(end / 2 ** level);
    if (high > low) {
      levels.push(level);
      lows.push(low);
      highs.push(high);
    }
  }
  const nodes = new Map<string, Hash>();
  if (levels.length === 0) return nodes;
  const rows = await session.query<{ level: unknown; idx: unknown; hash: unknown }>(QUERIES.storedHashes, [levels, lows, highs]);
  for (const row of rows) {
    nodes.set(`${toSafeInteger(row.level, 'level')}/${toSafeInteger(row.idx, 'index')}`, toBytes(row.hash, 'hash'));
  }
  return nodes;
}

function hex(hash: Hash): string {
  return Buffer.from(hash).toString('hex');
}
