/**
 * The Outbox port (ARCHITECTURE.md D4): the delivery state of domain events, one per journal entry.
 *
 * Contract:
 * - Every journaled entry has exactly one outbox item, created in the transaction that journaled it
 *   (so an item exists if and only if its entry committed). Items are keyed by journal index; the
 *   event is derived from the entry, so an item carries the entry's bytes, not an event.
 * - An item is unpublished until `markPublished` names it; the writer of an entry publishes it right
 *   after commit, and the relay takes whatever is still unpublished and due.
 * - `claimDue` leases what it returns for `leaseMs`: another claim does not return those items
 *   until the lease runs out, so relays running at once do not publish the same items together.
 *   A relay that dies mid-way leaves its items to the next claim after the lease.
 * - Items the writer has not reported on within `freshGraceMs` of their commit count as due (the
 *   writer died between commit and publish, or its process was frozen).
 * - All writes are durable when they resolve.
 */

/** An unpublished event's source: the journal entry at `index`. */
export type OutboxItem = {
  readonly index: number;
  readonly entry: Uint8Array;
  /** Failed publications so far. */
  readonly attempts: number;
};

export type OutboxFailure = {
  readonly index: number;
  /** Delay before the relay may try again. */
  readonly retryInMs: number;
  /** A short code-like reason (no event content). */
  readonly reason: string;
};

export interface Outbox {
  /** Up to `limit` unpublished items that are due, oldest due first, leased for `leaseMs`. */
  claimDue(options: { readonly limit: number; readonly leaseMs: number; readonly freshGraceMs: number }): Promise<OutboxItem[]>;
  /** Records that the bus accepted these events. Naming an already published item counts a duplicate publication. */
  markPublished(indexes: readonly number[]): Promise<void>;
  /** Records failed publications; each item becomes due again after its `retryInMs`. Published items are left alone. */
  markFailed(failures: readonly OutboxFailure[]): Promise<void>;
  /** Deletes up to `limit` items published more than `olderThanMs` ago; resolves with how many. */
  prunePublished(options: { readonly olderThanMs: number; readonly limit: number }): Promise<number>;
}
