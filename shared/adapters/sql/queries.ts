/**
 * Every statement the journal store sends, named so that node-postgres prepares each once per
 * connection. The same text runs on PostgreSQL 15 and on PGlite.
 */
import type { SqlStatement } from './executor.ts';

const statement = (name: string, text: string): SqlStatement => ({ name: `chartproof_${name}`, text });

export const QUERIES = {
  /** A whole append in one round trip; must run outside a transaction block. */
  append: statement('append', 'CALL chartproof.journal_append($1::bytea[], NULL, NULL, NULL, NULL)'),
  /** The same for one entry, which node-postgres then sends as binary rather than as a hex array literal. */
  appendOne: statement('append_one', 'CALL chartproof.journal_append(ARRAY[$1::bytea], NULL, NULL, NULL, NULL)'),
  /** An append inside a caller's transaction. */
  enqueue: statement(
    'enqueue',
    'SELECT queue_id, awaited_round, receipt_index, receipt_tree_size FROM chartproof.journal_enqueue($1::bytea[])',
  ),
  /** After the caller's commit, waits for the queued row's integration; must run outside a transaction block. */
  await: statement('await', 'CALL chartproof.journal_append(NULL, $1::bigint, $2::bigint, NULL, NULL)'),

  /**
   * The entries among $1's leaf hashes, from the size of the last checkpoint signed before $2 (or
   * from 0) to the head: one pass over that stretch, hashing each entry (no index by leaf hash:
   * it would cost more storage per entry than the journal's whole budget).
   */
  leavesSince: statement(
    'leaves_since',
    String.raw`SELECT e.idx, sha256('\x00'::bytea || e.entry) AS leaf_hash
     FROM chartproof.journal_entries e
     WHERE e.idx >= coalesce((SELECT c.size FROM chartproof.checkpoints c WHERE c.signed_at < $2::timestamptz ORDER BY c.size DESC LIMIT 1), 0)
       AND sha256('\x00'::bytea || e.entry) = ANY($1::bytea[])`,
  ),
  head: statement('head', 'SELECT size, root FROM chartproof.journal_head WHERE singleton'),
  entry: statement('entry', 'SELECT entry FROM chartproof.journal_entries WHERE idx = $1::bigint'),

  /**
   * What a proof needs, in one round trip: the integrated tree size (level -1, in idx), the entry
   * at index $6 if it is not NULL (level -2, its bytes in hash), and the stored hashes of the given
   * spans: leaf hashes of entries [lo, hi) (recomputed here, level 0) and tree nodes (level, [lo, hi)).
   * One index range scan per span, whatever the planner makes of the table sizes: LATERAL runs the
   * subquery per span, and OFFSET 0 keeps the planner from flattening it into a join.
   */
  proofData: statement(
    'proof_data',
    String.raw`SELECT -1 AS level, h.size AS idx, NULL::bytea AS hash FROM chartproof.journal_head h WHERE h.singleton
     UNION ALL
     SELECT -2, x.idx, x.entry FROM chartproof.journal_entries x WHERE x.idx = $6::bigint
     UNION ALL
     SELECT 0, e.idx, sha256('\x00'::bytea || e.entry)
       FROM unnest($1::bigint[], $2::bigint[]) AS s(lo, hi)
       CROSS JOIN LATERAL (SELECT j.idx, j.entry FROM chartproof.journal_entries j WHERE j.idx >= s.lo AND j.idx < s.hi OFFSET 0) e
     UNION ALL
     SELECT s.level, n.idx, n.hash
       FROM unnest($3::smallint[], $4::bigint[], $5::bigint[]) AS s(level, lo, hi)
       CROSS JOIN LATERAL (SELECT t.idx, t.hash FROM chartproof.tree_nodes t WHERE t.level = s.level AND t.idx >= s.lo AND t.idx < s.hi OFFSET 0) n`,
  ),
  /** The stored hashes of spans only (as proofData without the head and entry rows), for the audit. */
  storedHashes: statement(
    'stored_hashes',
    String.raw`SELECT s.level, n.idx, n.hash
       FROM unnest($1::smallint[], $2::bigint[], $3::bigint[]) AS s(level, lo, hi)
       CROSS JOIN LATERAL (SELECT t.idx, t.hash FROM chartproof.tree_nodes t WHERE t.level = s.level AND t.idx >= s.lo AND t.idx < s.hi OFFSET 0) n`,
  ),

  latestCheckpoint: statement(
    'latest_checkpoint',
    'SELECT size, note, round(extract(epoch FROM signed_at) * 1000) AS signed_at_ms FROM chartproof.checkpoints ORDER BY size DESC LIMIT 1',
  ),
  insertCheckpoint: statement(
    'insert_checkpoint',
    'INSERT INTO chartproof.checkpoints (size, note, signed_at) VALUES ($1::bigint, $2::text, to_timestamp($3::double precision / 1000))',
  ),
  /** One signer at a time per journal, so each signs against the checkpoint the previous one wrote. */
  checkpointLock: statement('checkpoint_lock', 'SELECT pg_advisory_xact_lock(1667787381, 2)'),
} as const;
