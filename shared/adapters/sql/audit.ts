/**
 * The journal audit: recomputes the whole tree from the stored entry bytes with the ledger core
 * (not with the database's own integration code), and checks every stored node, the tree head and
 * every signed checkpoint against it. It stops at the first problem, in journal order, and names it.
 *
 * What a tampered byte turns into:
 * - an entry: the tree node at level 8 over its 256-entry block (or, in the last, incomplete block,
 *   the next checkpoint or the tree head) no longer matches; with `checkEntry` (the CLI passes the
 *   journal entry format), most changes are caught at the entry itself;
 * - a tree node: that node;
 * - a checkpoint: its signature, or its root against the recomputed tree at its size;
 * - a removed tail: the checkpoints beyond the tree, or the head.
 */
import { CompactRange } from '../../ledger/compact-range.ts';
import { parseCheckpoint } from '../../ledger/checkpoint.ts';
import { EMPTY_ROOT, equalHashes, leafHash, type Hash } from '../../ledger/hashing.ts';
import { openNote, type NoteVerifier } from '../../ledger/note.ts';
import { parseEntryBytes } from '../../ledger/entry.ts';
import { isStoredNodeLevel, TILE_HEIGHT } from '../../ledger/tiles.ts';
import { toBytes, toSafeInteger, type SqlExecutor, type SqlSession } from './executor.ts';
import { QUERIES } from './queries.ts';

export type AuditProblem = {
  /** Where: "entry 1234", "tree node (level 8, index 4)", "checkpoint at size 1000", "tree head". */
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
  /** Entries per read; a multiple of 256. Default 32768. */
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
  if (chunkSize <= 0 || chunkSize % 2 ** TILE_HEIGHT !== 0) throw new RangeError(`chunkSize ${chunkSize} is not a positive multiple of 256`);
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
  let nextCheckpoint = 0;
  const checkRoot = (range: CompactRange): AuditProblem | undefined => {
    while (nextCheckpoint < checkpoints.length && (checkpoints[nextCheckpoint] as StoredCheckpoint).size === range.size) {
      const checkpoint = checkpoints[nextCheckpoint] as StoredCheckpoint;
      nextCheckpoint++;
      const root = range.root();
      if (!equalHashes(root, checkpoint.root)) {
        return {
          place: `checkpoint at size ${checkpoint.size}`,
          index: Math.max(0, checkpoint.size - 1),
          message: `its root ${hex(checkpoint.root)} does not match the entries, which give ${hex(root)}`,
        };
      }
    }
    return undefined;
  };

  const range = CompactRange.empty();
  const zeroCheck = checkRoot(range);
  if (zeroCheck !== undefined) return report(zeroCheck);

  // Entries and nodes, chunk by chunk; the next chunk is read while this one is hashed.
  const readChunk = (begin: number) =>
    Promise.all([
      session.query<{ idx: unknown; entry: unknown }>(ENTRIES_CHUNK, [begin, Math.min(begin + chunkSize, treeSize)]),
      readNodes(session, begin, Math.min(begin + chunkSize, treeSize)),
    ]);
  let pending = treeSize > 0 ? readChunk(0) : undefined;
  for (let begin = 0; begin < treeSize; begin += chunkSize) {
    const [rows, nodes] = await (pending as ReturnType<typeof readChunk>);
    const end = Math.min(begin + chunkSize, treeSize);
    pending = end < treeSize ? readChunk(end) : undefined;
    let problem: AuditProblem | undefined;
    const visit = (id: { level: number; index: number }, hash: Hash) => {
      if (problem !== undefined || !isStoredNodeLevel(id.level)) return;
      const place = `tree node (level ${id.level}, index ${id.index})`;
      const first = id.index * 2 ** id.level;
      const covering = `covering entries [${first}, ${first + 2 ** id.level})`;
      const stored = nodes.get(`${id.level}/${id.index}`);
      nodesChecked++;
      if (stored === undefined) problem = { place, index: first, message: `is missing (${covering})` };
      else if (!equalHashes(stored, hash)) {
        problem = { place, index: first, message: `${covering} does not match them: stored ${hex(stored)}, recomputed ${hex(hash)}` };
      }
    };
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as { idx: unknown; entry: unknown };
      const index = begin + i;
      const idx = toSafeInteger(row.idx, 'entry index');
      if (idx !== index) return report({ place: `entry ${index}`, index, message: 'is missing' });
      const entry = toBytes(row.entry, 'entry');
      const entryProblem = options.checkEntry?.(entry, index);
      if (entryProblem !== undefined) return report({ place: `entry ${index}`, index, message: entryProblem });
      range.append(leafHash(entry), visit);
      entriesChecked++;
      if (problem !== undefined) return report(problem);
      const rootProblem = checkRoot(range);
      if (rootProblem !== undefined) return report(rootProblem);
    }
    if (rows.length < end - begin) return report({ place: `entry ${begin + rows.length}`, index: begin + rows.length, message: 'is missing' });
    options.onProgress?.(end, treeSize);
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
  const root = treeSize === 0 ? EMPTY_ROOT : range.root();
  if (!equalHashes(headRoot, root)) {
    return report({ place: `tree head at size ${treeSize}`, index: Math.max(0, treeSize - 1), message: `its root ${hex(headRoot)} does not match the entries, which give ${hex(root)}` });
  }
  return report();
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
  const rows = await session.query<{ level: unknown; idx: unknown; hash: unknown }>(QUERIES.storedHashes, [[], [], levels, lows, highs]);
  for (const row of rows) {
    nodes.set(`${toSafeInteger(row.level, 'level')}/${toSafeInteger(row.idx, 'index')}`, toBytes(row.hash, 'hash'));
  }
  return nodes;
}

function hex(hash: Hash): string {
  return Buffer.from(hash).toString('hex');
}
