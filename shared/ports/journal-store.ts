/**
 * The JournalStore port: the durable, append-only RFC 9162 journal (ARCHITECTURE.md D1).
 *
 * Adapters: PostgreSQL (node-postgres) and PGlite, both over the same schema and SQL
 * (shared/adapters/sql/). The contract below is what a caller may rely on; an adapter that cannot
 * keep a clause of it must not claim to implement this port.
 *
 * Entries are opaque bytes here (for Chartproof, the RFC 8785 canonical JSON of a journal entry,
 * shared/ledger/entry.ts). The store never interprets them.
 *
 * Durability:
 * - When `append` or `transact` resolves, every entry it reports is durably committed (the database
 *   has flushed the commit record: synchronous commit), together with its index, the tree nodes and
 *   the tree head that cover it. A crash of the caller, the database or the machine afterwards
 *   never loses it, changes its index, or changes its leaf hash.
 * - When `append` or `transact` rejects, the entries may or may not have been journaled: a failure
 *   after the entries were made durable but before their receipt came back (a lost connection, a
 *   killed process) leaves them queued, and the next append integrates them. Callers must not
 *   assume either outcome; a retry may journal an entry twice. Nothing is ever journaled partly:
 *   the entries of one call land together, or not at all.
 *
 * Ordering:
 * - The entries of one call get consecutive indexes, in the order given.
 * - If one call resolves before another call starts, the first call's entries have the smaller
 *   indexes. Concurrent calls are ordered arbitrarily, but never interleaved.
 * - Indexes are dense: the journal of size n holds exactly the entries 0..n-1.
 *
 * Append-only:
 * - Nothing the store has journaled is ever changed or removed; the database itself refuses it
 *   (see the migration that creates the tables). A tree head the store reports is always
 *   consistent with every earlier one, and the store never signs a checkpoint that is not
 *   consistent with the checkpoints it signed before.
 *
 * Concurrency:
 * - Any number of stores (processes, connections) may append to one journal at once; their entries
 *   are batched into one tree update in the database (group commit), not serialized one by one.
 * - One store object may be used by concurrent callers; it serializes them on its connection(s) as
 *   needed. Never call the same store from inside `transact`'s work: that waits for itself.
 */
import type { Hash } from '../ledger/hashing.ts';

/** Where a journaled entry landed: what a write's response carries (API.md "Receipts"). */
export type EntryReceipt = {
  /** 0-based position of the entry in the journal. */
  readonly index: number;
  /** RFC 9162 leaf hash of the entry bytes. */
  readonly leafHash: Hash;
  /** The size of the tree head that first included the entry: index < treeSize. */
  readonly treeSize: number;
};

/** The Merkle tree head of the journal's first `size` entries. */
export type TreeHead = { readonly size: number; readonly root: Hash };

/** A tree head signed as a C2SP tlog-checkpoint note. */
export type SignedCheckpoint = TreeHead & {
  /** The signed note: checkpoint body, blank line, signature lines. */
  readonly note: string;
  /** When it was signed, in milliseconds since the epoch, from the store's clock. */
  readonly signedAt: number;
};

/** A journaled entry with its inclusion proof in the tree of `treeSize` entries. */
export type ProvenEntry = {
  readonly index: number;
  readonly entry: Uint8Array;
  readonly leafHash: Hash;
  readonly treeSize: number;
  /** RFC 9162 inclusion proof of `leafHash` at `index` in the tree of `treeSize` entries. */
  readonly proof: Hash[];
};

/** What a unit of work may do with the journal inside `transact`. */
export interface JournalTransaction {
  /**
   * Journals `entries` as part of this transaction: they become durable exactly when the
   * transaction commits, and are integrated into the tree right after it. Their receipts come back
   * from `transact`, in the order of the `append` calls. Requires each entry to be non-empty and at
   * most MAX_ENTRY_BYTES long (checked when `transact`'s work has returned).
   */
  append(entries: readonly Uint8Array[]): void;
}

/** What `transact` resolves with: the work's own result and the receipts of what it journaled. */
export type Transacted<T> = { readonly value: T; readonly receipts: EntryReceipt[] };

/** The largest entry the journal accepts. Entries are identifiers and hashes, never documents. */
export const MAX_ENTRY_BYTES = 64 * 1024;

export interface JournalStore<Tx extends JournalTransaction = JournalTransaction> {
  /**
   * Journals `entries` (in order, consecutive indexes) and resolves with one receipt per entry once
   * they are durably committed and integrated into the tree. Requires each entry to be non-empty and
   * at most MAX_ENTRY_BYTES; throws InvalidEntryError before writing anything otherwise.
   */
  append(entries: readonly Uint8Array[]): Promise<EntryReceipt[]>;

  /**
   * Runs `work` in one database transaction and commits it; whatever `work` wrote (for example a
   * projection) and the entries it appended commit or roll back together. Resolves after the commit
   * AND the integration of those entries. If `work` throws, the transaction rolls back, nothing is
   * journaled, and the error propagates. See the durability clauses above for failures after commit.
   */
  transact<T>(work: (tx: Tx) => Promise<T>): Promise<Transacted<T>>;

  /** The latest integrated tree head. Every entry below its size is durable and proven by it. */
  treeHead(): Promise<TreeHead>;

  /**
   * The entry at `index` with its inclusion proof in the tree of `treeSize` entries (default: the
   * latest tree head). Requires 0 <= index < treeSize <= the latest tree size; throws
   * IndexOutOfRangeError (shared/ledger/errors.ts) or TreeSizeOutOfRangeError otherwise.
   * Costs O(log n) indexed reads.
   */
  entry(index: number, options?: { treeSize?: number }): Promise<ProvenEntry>;

  /** The RFC 9162 inclusion proof for leaf `index` in the tree of `treeSize`. Same requirements and cost as `entry`. */
  inclusionProof(index: number, treeSize: number): Promise<Hash[]>;

  /**
   * The RFC 9162 consistency proof between the trees of `size1` and `size2` entries. Requires
   * 0 < size1 <= size2 <= the latest tree size; throws InvalidTreeSizesError or
   * TreeSizeOutOfRangeError otherwise. Costs O(log n) indexed reads.
   */
  consistencyProof(size1: number, size2: number): Promise<Hash[]>;

  /** The most recently signed checkpoint, or undefined before the first one. */
  latestCheckpoint(): Promise<SignedCheckpoint | undefined>;

  /**
   * Where the entries with these leaf hashes are, among those integrated since `since`: the search
   * starts at the size of the last checkpoint signed before `since` (from 0 if none), so it may
   * look further back but never misses an entry integrated after it. Resolves with index by leaf
   * hash (base64); a hash not found is absent. For repairs after a crash (shared/audit/repair-receipts.ts).
   */
  indexesOfLeaves(leafHashes: readonly Uint8Array[], since: Date): Promise<Map<string, number>>;

  /**
   * Signs the latest tree head if the checkpoint policy says a signature is due, and returns the
   * latest signed checkpoint (which may be older than the tree head when none is due).
   * `covering` asks for a checkpoint that covers that tree size: it makes a signature due as soon as
   * the policy's minimum interval allows. Before signing, the head is checked against the last
   * signed checkpoint with a consistency proof; if it is not an extension of it, nothing is signed
   * and InconsistentTreeError is thrown. Signers never race: one signature at a time per journal.
   */
  checkpoint(options?: { covering?: number }): Promise<SignedCheckpoint | undefined>;

  /** Releases the store's connections. The store must not be used afterwards. */
  close(): Promise<void>;
}

/** Base class of the store's own errors (proof-argument errors come from shared/ledger/errors.ts). */
export class JournalStoreError extends Error {
  override name = 'JournalStoreError';
}

/** An entry handed to `append` is empty, too large or not bytes. Nothing was written. */
export class InvalidEntryError extends JournalStoreError {
  override name = 'InvalidEntryError';
  readonly position: number;

  constructor(position: number, problem: string) {
    super(`entry ${position} ${problem}`);
    this.position = position;
  }
}

/** A tree size asked for is larger than the journal's latest tree head. */
export class TreeSizeOutOfRangeError extends JournalStoreError {
  override name = 'TreeSizeOutOfRangeError';
  readonly treeSize: number;
  readonly latestSize: number;

  constructor(treeSize: number, latestSize: number) {
    super(`tree size ${treeSize} is beyond the latest tree head, size ${latestSize}`);
    this.treeSize = treeSize;
    this.latestSize = latestSize;
  }
}

/**
 * The stored tree is not an extension of the last signed checkpoint (it was truncated or rewritten),
 * so the store refuses to sign it. This is fatal: an operator must find out what happened.
 */
export class InconsistentTreeError extends JournalStoreError {
  override name = 'InconsistentTreeError';
  readonly checkpointSize: number;
  readonly treeSize: number;

  constructor(checkpointSize: number, treeSize: number, reason: string, options?: { cause?: unknown }) {
    super(`tree of size ${treeSize} is not consistent with the checkpoint at size ${checkpointSize}: ${reason}`, options);
    this.checkpointSize = checkpointSize;
    this.treeSize = treeSize;
  }
}

/** Stored journal data is missing or malformed (a node the tree needs is absent, a hash has the wrong size). */
export class JournalCorruptionError extends JournalStoreError {
  override name = 'JournalCorruptionError';
}
