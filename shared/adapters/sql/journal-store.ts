/**
 * The JournalStore port over SQL: one implementation for PostgreSQL and PGlite, which differ only
 * in their SqlExecutor. The sequencing itself (group commit and tree integration) runs inside the
 * database, in the routines of migrations/0001-journal.ts; this file validates, calls them and
 * turns their answers into receipts and proofs.
 */
import type { Hash } from '../../ledger/hashing.ts';
import { DEFAULT_CHECKPOINT_POLICY, receiptsFor, type CheckpointPolicy } from '../../ledger/sequencing.ts';
import { leafHash } from '../../ledger/hashing.ts';
import { encodeBase64 } from '../../ledger/strict-base64.ts';
import {
  InvalidEntryError,
  JournalCorruptionError,
  MAX_ENTRY_BYTES,
  type EntryReceipt,
  type JournalStore,
  type JournalTransaction,
  type ProvenEntry,
  type SignedCheckpoint,
  type Transacted,
} from '../../ports/journal-store.ts';
import type { CheckpointSigner } from '../../ports/signer.ts';
import { readLatestCheckpoint, readTreeHead, signCheckpointIfDue, type CheckpointSettings } from './checkpoints.ts';
import { inTransaction, toSafeInteger, type SqlExecutor, type SqlRow, type SqlStatement } from './executor.ts';
import { readConsistencyProof, readInclusionProof } from './proofs.ts';
import { QUERIES } from './queries.ts';

/** What `transact`'s work gets on SQL: the journal, and the transaction's connection for its own statements. */
export interface SqlJournalTransaction extends JournalTransaction {
  query<Row extends SqlRow = SqlRow>(statement: SqlStatement | string, values?: readonly unknown[]): Promise<Row[]>;
}

export interface SqlJournalStore extends JournalStore<SqlJournalTransaction> {
  /**
   * `transact` for a unit of work that is one statement: runs `own` and journals `entries` in a
   * single statement, so both commit together or neither does, in one round trip where `transact`
   * needs four (BEGIN, the statement, the enqueue, COMMIT). Resolves with `own`'s row and the
   * entries' receipts once they are integrated, with the same guarantees as `transact`.
   * Requires `own.statement.text` to be one INSERT, UPDATE or DELETE ... RETURNING that yields
   * exactly one row, using parameters $1..$n for n = own.values.length, and `entries` non-empty.
   * The entries are journaled even if `own` yields no row (the statement then fails here after
   * committing): the journal may hold an entry without its projection row, never the reverse.
   */
  transactOne<Row extends SqlRow = SqlRow>(own: { statement: SqlStatement; values: readonly unknown[] }, entries: readonly Uint8Array[]): Promise<Transacted<Row>>;
}

/** `own` and journal_enqueue as one statement; the enqueue's columns are prefixed so they cannot clash with own's. */
function journaledStatement(own: SqlStatement, parameters: number): SqlStatement {
  return {
    name: `${own.name}_journaled`,
    // Both CTEs are materialized, so each runs exactly once; `q` is the outer side of the join, so
    // the enqueue runs whatever `own` yields.
    text: `WITH own AS MATERIALIZED (${own.text}),
  q AS MATERIALIZED (SELECT queue_id, awaited_round, receipt_index, receipt_tree_size FROM chartproof.journal_enqueue($${parameters + 1}::bytea[]))
SELECT own.*, q.queue_id AS journal_queue_id, q.awaited_round AS journal_awaited_round,
  q.receipt_index AS journal_receipt_index, q.receipt_tree_size AS journal_receipt_tree_size
FROM q LEFT JOIN own ON true`,
  };
}

export type SqlJournalStoreOptions = {
  readonly executor: SqlExecutor;
  /** Signs checkpoints; without it `checkpoint` throws and `latestCheckpoint` does not check signatures. */
  readonly signer?: CheckpointSigner;
  /** The checkpoint origin line; default: the signer's key name (tlog-checkpoint says they SHOULD match). */
  readonly origin?: string;
  readonly checkpointPolicy?: CheckpointPolicy;
  /** Milliseconds since the epoch; default Date.now. */
  readonly now?: () => number;
  /**
   * Told, after each successful append or transaction, which entries it journaled (committed and
   * integrated): the outbox's writer side publishes their events (shared/events/outbox-dispatcher.ts).
   * Must not throw or block.
   */
  readonly onJournaled?: (journaled: readonly { readonly index: number; readonly entry: Uint8Array }[]) => void;
};

type EnqueueRow = { queue_id: unknown; awaited_round: unknown; receipt_index: unknown; receipt_tree_size: unknown };
type ReceiptRow = { receipt_index: unknown; receipt_tree_size: unknown };

export function createSqlJournalStore(options: SqlJournalStoreOptions): SqlJournalStore {
  const { executor, signer, onJournaled } = options;
  const journaled = (entries: readonly Uint8Array[], receipts: EntryReceipt[]): EntryReceipt[] => {
    onJournaled?.(receipts.map((receipt, position) => ({ index: receipt.index, entry: entries[position] as Uint8Array })));
    return receipts;
  };
  const checkpointSettings: CheckpointSettings | undefined =
    signer === undefined
      ? undefined
      : {
          signer,
          origin: options.origin ?? signer.keyName,
          policy: options.checkpointPolicy ?? DEFAULT_CHECKPOINT_POLICY,
          now: options.now ?? Date.now,
        };

  return {
    async append(entries) {
      checkEntries(entries);
      if (entries.length === 0) return [];
      const [row] = await executor.withSession((session) =>
        entries.length === 1 ? session.query<ReceiptRow>(QUERIES.appendOne, entries) : session.query<ReceiptRow>(QUERIES.append, [entries]),
      );
      return journaled(entries, receiptsOf(entries, row));
    },

    async transact<T>(work: (tx: SqlJournalTransaction) => Promise<T>): Promise<Transacted<T>> {
      return executor.withSession(async (session) => {
        const appended: Uint8Array[] = [];
        let open = true;
        const tx: SqlJournalTransaction = {
          query: (statement, values) => {
            if (!open) throw new Error('the transaction is over: use tx only inside the work function');
            return session.query(statement, values);
          },
          append: (entries) => {
            if (!open) throw new Error('the transaction is over: use tx only inside the work function');
            appended.push(...entries);
          },
        };
        let queued: EnqueueRow | undefined;
        const value = await inTransaction(session, async () => {
          try {
            const result = await work(tx);
            checkEntries(appended);
            if (appended.length > 0) [queued] = await session.query<EnqueueRow>(QUERIES.enqueue, [appended]);
            return result;
          } finally {
            open = false;
          }
        });
        if (queued === undefined) return { value, receipts: [] };
        // Committed. Integrated in the transaction itself if the lock was free; otherwise wait for it.
        if (queued.queue_id === null) return { value, receipts: journaled(appended, receiptsOf(appended, queued)) };
        const [row] = await session.query<ReceiptRow>(QUERIES.await, [queued.queue_id, queued.awaited_round]);
        return { value, receipts: journaled(appended, receiptsOf(appended, row)) };
      });
    },

    async transactOne<Row extends SqlRow = SqlRow>(own: { statement: SqlStatement; values: readonly unknown[] }, entries: readonly Uint8Array[]): Promise<Transacted<Row>> {
      checkEntries(entries);
      if (entries.length === 0) throw new RangeError('transactOne needs at least one entry; use a plain statement otherwise');
      return executor.withSession(async (session) => {
        // Outside a transaction block the statement is its own transaction (and commits synchronously).
        const rows = await session.query(journaledStatement(own.statement, own.values.length), [...own.values, entries]);
        const [first] = rows;
        if (first === undefined || rows.length !== 1) throw new JournalCorruptionError(`the journaled statement returned ${rows.length} rows, want 1`);
        const { journal_queue_id: queueId, journal_awaited_round: awaitedRound, journal_receipt_index: receiptIndex, journal_receipt_tree_size: receiptTreeSize, ...value } = first;
        if (Object.values(value).every((column) => column === null)) throw new Error(`${own.statement.name} yielded no row; its entries were journaled`);
        if (queueId === null) return { value: value as Row, receipts: journaled(entries, receiptsOf(entries, { receipt_index: receiptIndex, receipt_tree_size: receiptTreeSize })) };
        const [row] = await session.query<ReceiptRow>(QUERIES.await, [queueId, awaitedRound]);
        return { value: value as Row, receipts: journaled(entries, receiptsOf(entries, row)) };
      });
    },

    treeHead: () => executor.withSession(readTreeHead),

    entry(index, entryOptions) {
      return executor.withSession(async (session): Promise<ProvenEntry> => {
        // One round trip when the tree size is given; the latest one must be read first otherwise.
        const treeSize = entryOptions?.treeSize ?? (await readTreeHead(session)).size;
        const { proof, entry } = await readInclusionProof(session, { index, size: treeSize, withEntry: true });
        const bytes = entry as Uint8Array;
        return { index, entry: bytes, leafHash: leafHash(bytes), treeSize, proof };
      });
    },

    inclusionProof(index, treeSize) {
      return executor.withSession(async (session): Promise<Hash[]> => (await readInclusionProof(session, { index, size: treeSize })).proof);
    },

    consistencyProof(size1, size2) {
      return executor.withSession((session) => readConsistencyProof(session, size1, size2));
    },

    latestCheckpoint: () => executor.withSession((session) => readLatestCheckpoint(session, signer)),

    async indexesOfLeaves(leafHashes, since) {
      if (leafHashes.length === 0) return new Map();
      const rows = await executor.withSession((session) => session.query<{ idx: unknown; leaf_hash: Uint8Array }>(QUERIES.leavesSince, [leafHashes, since.toISOString()]));
      return new Map(rows.map((row) => [encodeBase64(row.leaf_hash), toSafeInteger(row.idx, 'index')]));
    },

    checkpoint(checkpointOptions): Promise<SignedCheckpoint | undefined> {
      if (checkpointSettings === undefined) return Promise.reject(new Error('this journal store has no checkpoint signer'));
      return executor.withSession((session) => signCheckpointIfDue(session, checkpointSettings, checkpointOptions?.covering));
    },

    close: () => executor.close(),
  };
}

function checkEntries(entries: readonly Uint8Array[]): void {
  entries.forEach((entry, position) => {
    if (!(entry instanceof Uint8Array)) throw new InvalidEntryError(position, 'is not a Uint8Array');
    if (entry.length === 0) throw new InvalidEntryError(position, 'is empty');
    if (entry.length > MAX_ENTRY_BYTES) throw new InvalidEntryError(position, `has ${entry.length} bytes, at most ${MAX_ENTRY_BYTES}`);
  });
}

function receiptsOf(entries: readonly Uint8Array[], row: ReceiptRow | undefined): EntryReceipt[] {
  if (row === undefined || row.receipt_index === null || row.receipt_tree_size === null) {
    throw new JournalCorruptionError('the database returned no receipt for an append');
  }
  return receiptsFor(entries, toSafeInteger(row.receipt_index, 'receipt index'), toSafeInteger(row.receipt_tree_size, 'receipt tree size'));
}
