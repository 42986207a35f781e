/**
 * The JournalStore port over SQL: one implementation for PostgreSQL and PGlite, which differ only
 * in their SqlExecutor. The sequencing itself (group commit and tree integration) runs inside the
 * database, in the routines of migrations/0001-journal.ts; this file validates, calls them and
 * turns their answers into receipts and proofs.
 */
import type { Hash } from '../../ledger/hashing.ts';
import { DEFAULT_CHECKPOINT_POLICY, receiptsFor, type CheckpointPolicy } from '../../ledger/sequencing.ts';
import { leafHash } from '../../ledger/hashing.ts';
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

export type SqlJournalStore = JournalStore<SqlJournalTransaction>;

export type SqlJournalStoreOptions = {
  readonly executor: SqlExecutor;
  /** Signs checkpoints; without it `checkpoint` throws and `latestCheckpoint` does not check signatures. */
  readonly signer?: CheckpointSigner;
  /** The checkpoint origin line; default: the signer's key name (tlog-checkpoint says they SHOULD match). */
  readonly origin?: string;
  readonly checkpointPolicy?: CheckpointPolicy;
  /** Milliseconds since the epoch; default Date.now. */
  readonly now?: () => number;
};

type EnqueueRow = { queue_id: unknown; awaited_round: unknown; receipt_index: unknown; receipt_tree_size: unknown };
type ReceiptRow = { receipt_index: unknown; receipt_tree_size: unknown };

export function createSqlJournalStore(options: SqlJournalStoreOptions): SqlJournalStore {
  const { executor, signer } = options;
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
      return receiptsOf(entries, row);
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
        if (queued.queue_id === null) return { value, receipts: receiptsOf(appended, queued) };
        const [row] = await session.query<ReceiptRow>(QUERIES.await, [queued.queue_id, queued.awaited_round]);
        return { value, receipts: receiptsOf(appended, row) };
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
