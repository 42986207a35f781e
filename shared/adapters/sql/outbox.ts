/**
 * The Outbox port over SQL (PostgreSQL and PGlite), on the table and trigger of
 * migrations/0030-outbox.ts. Every method is one statement, so one round trip and its own
 * transaction.
 */
import type { Outbox, OutboxFailure, OutboxItem } from '../../ports/outbox.ts';
import { toBytes, toSafeInteger, type SqlExecutor, type SqlStatement } from './executor.ts';

const statement = (name: string, text: string): SqlStatement => ({ name: `chartproof_outbox_${name}`, text });

const Q = {
  // The first conjunct is the index range; the second keeps fresh items for their writer a while.
  // SKIP LOCKED: a row another relay is leasing right now is simply not due for this one.
  claimDue: statement(
    'claim_due',
    `WITH due AS (
       SELECT o.idx FROM chartproof.event_outbox o
       WHERE o.published_at IS NULL AND o.next_attempt_at <= now()
         AND (o.attempts > 0 OR o.next_attempt_at <= now() - $3::double precision * interval '1 millisecond')
       ORDER BY o.next_attempt_at, o.idx
       LIMIT $1::integer
       FOR UPDATE SKIP LOCKED
     ), leased AS (
       UPDATE chartproof.event_outbox o SET next_attempt_at = now() + $2::double precision * interval '1 millisecond'
       FROM due WHERE o.idx = due.idx
       RETURNING o.idx, o.attempts
     )
     SELECT l.idx, l.attempts, e.entry FROM leased l JOIN chartproof.journal_entries e ON e.idx = l.idx ORDER BY l.idx`,
  ),
  markPublished: statement(
    'mark_published',
    `UPDATE chartproof.event_outbox SET published_at = coalesce(published_at, now()), publications = publications + 1, last_error = NULL
     WHERE idx = ANY($1::bigint[])`,
  ),
  markFailed: statement(
    'mark_failed',
    `UPDATE chartproof.event_outbox o
     SET attempts = o.attempts + 1, next_attempt_at = now() + f.delay * interval '1 millisecond', last_error = f.reason
     FROM unnest($1::bigint[], $2::double precision[], $3::text[]) AS f(idx, delay, reason)
     WHERE o.idx = f.idx AND o.published_at IS NULL`,
  ),
  prunePublished: statement(
    'prune_published',
    `WITH gone AS (
       DELETE FROM chartproof.event_outbox o
       WHERE o.idx IN (
         SELECT p.idx FROM chartproof.event_outbox p
         WHERE p.published_at < now() - $1::double precision * interval '1 millisecond'
         ORDER BY p.published_at LIMIT $2::integer
       )
       RETURNING 1
     )
     SELECT count(*)::integer AS pruned FROM gone`,
  ),
} as const;

// The column's limit (migrations/0030-outbox.ts), in characters to stay well within its bytes.
const MAX_REASON_CHARS = 200;

export class SqlOutbox implements Outbox {
  readonly #executor: SqlExecutor;

  constructor(options: { readonly executor: SqlExecutor }) {
    this.#executor = options.executor;
  }

  async claimDue(options: { limit: number; leaseMs: number; freshGraceMs: number }): Promise<OutboxItem[]> {
    const rows = await this.#executor.withSession((session) =>
      session.query<{ idx: unknown; attempts: unknown; entry: unknown }>(Q.claimDue, [options.limit, options.leaseMs, options.freshGraceMs]),
    );
    return rows.map((row) => ({ index: toSafeInteger(row.idx, 'outbox index'), attempts: toSafeInteger(row.attempts, 'outbox attempts'), entry: toBytes(row.entry, 'outbox entry') }));
  }

  async markPublished(indexes: readonly number[]): Promise<void> {
    if (indexes.length === 0) return;
    await this.#executor.withSession((session) => session.query(Q.markPublished, [indexes]));
  }

  async markFailed(failures: readonly OutboxFailure[]): Promise<void> {
    if (failures.length === 0) return;
    await this.#executor.withSession((session) =>
      session.query(Q.markFailed, [failures.map((f) => f.index), failures.map((f) => f.retryInMs), failures.map((f) => f.reason.slice(0, MAX_REASON_CHARS))]),
    );
  }

  async prunePublished(options: { olderThanMs: number; limit: number }): Promise<number> {
    const [row] = await this.#executor.withSession((session) => session.query<{ pruned: unknown }>(Q.prunePublished, [options.olderThanMs, options.limit]));
    return row === undefined ? 0 : toSafeInteger(row.pruned, 'pruned count');
  }
}
