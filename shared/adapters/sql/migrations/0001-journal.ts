/**
 * Migration 1: the journal (ARCHITECTURE.md D1).
 *
 * Journal tables, append-only for every role (the owner included), INSERT and SELECT only for the
 * runtime role:
 * - journal_entries: the entry bytes, one row per leaf;
 * - tree_nodes: the hash of every complete node at levels 4, 8, 12, … (one row per 16 leaves, per
 *   256 leaves, …; see shared/ledger/tiles.ts for how proofs use them and why that height);
 * - checkpoints: the signed tree heads.
 *
 * Sequencer tables, which are not journal data and may change:
 * - journal_head: the one row holding the integrated tree head and its right edge (the compact
 *   range), so that the next integrator resumes without reading the tree. It is a cache of what
 *   journal_entries and tree_nodes determine; the audit recomputes it, and no checkpoint is signed
 *   before a consistency proof from the stored nodes ties it to the previous checkpoint.
 * - journal_queue: entries committed by writers and not yet integrated (group commit).
 * - journal_batches: which queue rows each integration placed where, read by waiting writers;
 *   pruned after ten minutes.
 *
 * Group commit, all of it in the database so that a writer needs one round trip. Integrations
 * are numbered (journal_head.round counts them). Round r's integrator holds the round lock
 * (1667787381, 10 + r % 64) exclusively from the moment it is elected until it commits; its waiters
 * sleep on that lock in shared mode, so its commit wakes them all at once (no convoy of exclusive
 * hand-offs). Only transaction-level advisory locks are used (session-level ones would pin RDS
 * Proxy connections).
 * 1. A writer reads the round r last committed and tries to take the lock of round r + 1. If it
 *    gets it, it integrates its entries (and anything queued) in its own transaction: one commit.
 * 2. Otherwise round r + 1 has its integrator: the writer commits its entries to journal_queue.
 *    Round r + 1 has usually read the queue already, so the writer aims at round r + 2: it takes
 *    round r + 2's lock if nobody has (and integrates once round r + 1 commits: an integration
 *    locks the head row first), or sleeps on it. Then it looks up its receipt in journal_batches.
 * 3. If its row came in after that integrator read the queue, the writer wakes without a receipt
 *    and the same happens one round later.
 * Why 64 rotating locks rather than one: sleepers woken by round r hold round r's lock for an
 * instant, and a try-lock on that same lock would fail on those instants (with one lock, waiters
 * kept each other out and spun); round r + 1's lock is not held by them. A try can still fail on a
 * straggler from 64 rounds before; a writer that wakes and finds its round has not happened then
 * takes the lock with a blocking request (queued ahead of later sleepers), so nobody spins, and a
 * round whose integrator died is taken over the same way. Mutual exclusion of integrations does
 * not depend on any of this: an integration locks the journal_head row first.
 *
 * Crash consistency: an integration is one transaction (entries, nodes, head, queue rows, batch
 * row), so after a crash the head is the old one or the new one, never in between; queued rows
 * survive a writer's crash and the next integrator picks them up. `{{owner}}` and `{{runtime}}` are
 * replaced by the quoted role names.
 */
export const journalMigration = {
  version: 1,
  name: 'journal',
  sql: String.raw`
CREATE TABLE chartproof.journal_entries (
  idx   bigint PRIMARY KEY CHECK (idx >= 0),
  entry bytea  NOT NULL CHECK (octet_length(entry) > 0)
);

CREATE TABLE chartproof.tree_nodes (
  level smallint NOT NULL CHECK (level > 0 AND level % 4 = 0),
  idx   bigint   NOT NULL CHECK (idx >= 0),
  hash  bytea    NOT NULL CHECK (octet_length(hash) = 32),
  PRIMARY KEY (level, idx)
);

CREATE TABLE chartproof.checkpoints (
  size      bigint      PRIMARY KEY CHECK (size >= 0),
  note      text        NOT NULL,
  signed_at timestamptz NOT NULL
);

-- Append-only for every role, the owner included: statement-level, so that even a statement that
-- matches no row is refused, and TRUNCATE (which has no rows) is covered.
CREATE FUNCTION chartproof.refuse_journal_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION '% on %.% refused: the journal is append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'CPA01';
END
$fn$;

CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON chartproof.journal_entries
  FOR EACH STATEMENT EXECUTE FUNCTION chartproof.refuse_journal_change();
CREATE TRIGGER tree_nodes_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON chartproof.tree_nodes
  FOR EACH STATEMENT EXECUTE FUNCTION chartproof.refuse_journal_change();
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON chartproof.checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION chartproof.refuse_journal_change();

-- Read and written by the integrator only (and read by tree head and proof requests), so that the
-- page of its one row is rarely pinned by others and HOT updates can prune it in place.
CREATE TABLE chartproof.journal_head (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  round      bigint  NOT NULL CHECK (round >= 0),
  size       bigint  NOT NULL CHECK (size >= 0),
  root       bytea   NOT NULL CHECK (octet_length(root) = 32),
  right_edge bytea[] NOT NULL
) WITH (fillfactor = 10);
INSERT INTO chartproof.journal_head (round, size, root, right_edge) VALUES (0, 0, sha256(''::bytea), '{}');

-- Every append inserts a row and every integration deletes it: vacuum it eagerly.
-- Its check is what journal_entries accepts (1 or more bytes, not NULL), so that no queued row can
-- make every later integration fail; built-in functions only, as it runs on every append. (The
-- size limit of an entry is the store's: MAX_ENTRY_BYTES in shared/ports/journal-store.ts.)
CREATE TABLE chartproof.journal_queue (
  id      bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  entries bytea[] NOT NULL CHECK (
    cardinality(entries) > 0 AND array_position(entries, NULL) IS NULL AND array_position(entries, ''::bytea) IS NULL
  )
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

-- One row per integration that took queued rows: where each went. Keyed by the largest queue id it
-- took, so that a writer finds its row's batch by an index scan from its own queue id (the batch
-- that took it is the first whose range covers it, or very nearly).
CREATE TABLE chartproof.journal_batches (
  max_queue_id  bigint      PRIMARY KEY,
  min_queue_id  bigint      NOT NULL,
  tree_size     bigint      NOT NULL,
  queue_ids     bigint[]    NOT NULL,
  first_indexes bigint[]    NOT NULL,
  integrated_at timestamptz NOT NULL DEFAULT now()
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

-- Integrates own_entries (may be NULL), then the oldest queued rows (at most max_queue_rows, in
-- queue id order), in the caller's transaction, as round claimed_round (or the next, if that one
-- is past). Sets own_first to the index of the first of own_entries (NULL without them) and
-- tree_size to the size of the tree afterwards. The queue is read once: rows that come in while
-- this runs belong to the next round, whose integrator is already waiting (see the top of this file).
-- Requires the caller's transaction to hold the lock of claimed_round exclusively. Locking the head
-- row serializes integrations in any case: an integrator elected for the next round while one runs
-- waits here for it to commit, then reads the queue.
-- The tree arithmetic is shared/ledger/compact-range.ts (CompactRange.append and root) over
-- PostgreSQL's sha256(); the audit recomputes all of it with that code.
CREATE FUNCTION chartproof.journal_integrate(
  own_entries bytea[], max_queue_rows integer, claimed_round bigint, OUT own_first bigint, OUT tree_size bigint
)
LANGUAGE plpgsql
-- Its statements run once per batch with different sizes; planning each afresh would cost more than running them.
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
  old_size       bigint;
  new_size       bigint;
  new_round      bigint;
  edge           bytea[];
  stack_top      integer;
  own_leaves     bytea[];
  leaves         bytea[];
  claimed_ids    bigint[];
  claimed_firsts bigint[];
  carry          bytea;
  rest           bigint;
  height         integer;
  node_levels    smallint[] := '{}';
  node_idxs      bigint[]   := '{}';
  node_hashes    bytea[]    := '{}';
  new_root       bytea;
BEGIN
  SELECT h.size, h.right_edge, greatest(h.round + 1, claimed_round) INTO STRICT old_size, edge, new_round
  FROM chartproof.journal_head h WHERE h.singleton FOR NO KEY UPDATE;

  IF own_entries IS NOT NULL THEN
    own_first := old_size;
    WITH appended AS (
      INSERT INTO chartproof.journal_entries (idx, entry)
      SELECT own_first + e.ord - 1, e.entry FROM unnest(own_entries) WITH ORDINALITY AS e(entry, ord)
      RETURNING idx, sha256('\x00'::bytea || entry) AS leaf
    )
    SELECT array_agg(a.leaf ORDER BY a.idx) INTO own_leaves FROM appended a;
  END IF;

  -- Claim, place and copy the oldest queued rows in one statement; leaf hashes come back in index order.
  WITH claimed AS (
    DELETE FROM chartproof.journal_queue q
    WHERE q.id IN (SELECT p.id FROM chartproof.journal_queue p ORDER BY p.id LIMIT max_queue_rows)
    RETURNING q.id, q.entries
  ), placed AS (
    SELECT c.id, c.entries,
           old_size + coalesce(cardinality(own_leaves), 0)
             + sum(cardinality(c.entries)) OVER (ORDER BY c.id) - cardinality(c.entries) AS first_idx
    FROM claimed c
  ), appended AS (
    INSERT INTO chartproof.journal_entries (idx, entry)
    SELECT p.first_idx + e.ord - 1, e.entry
    FROM placed p CROSS JOIN LATERAL unnest(p.entries) WITH ORDINALITY AS e(entry, ord)
    RETURNING idx, sha256('\x00'::bytea || entry) AS leaf
  )
  SELECT (SELECT array_agg(a.leaf ORDER BY a.idx) FROM appended a),
         (SELECT array_agg(p.id ORDER BY p.id) FROM placed p),
         (SELECT array_agg(p.first_idx ORDER BY p.id) FROM placed p)
  INTO leaves, claimed_ids, claimed_firsts;
  leaves := coalesce(own_leaves, '{}') || coalesce(leaves, '{}');

  tree_size := old_size + cardinality(leaves);
  IF cardinality(leaves) = 0 THEN
    RETURN;
  END IF;

  -- Append each leaf to the right edge: merge it with one subtree per trailing one bit of the size.
  -- Nodes completed at levels 4, 8, 12, … are kept (TILE_HEIGHT in shared/ledger/tiles.ts).
  new_size := old_size;
  stack_top := coalesce(cardinality(edge), 0);
  FOR i IN 1 .. cardinality(leaves) LOOP
    carry := leaves[i];
    rest := new_size;
    height := 0;
    WHILE (rest & 1) = 1 LOOP
      carry := sha256('\x01'::bytea || edge[stack_top] || carry);
      stack_top := stack_top - 1;
      rest := rest >> 1;
      height := height + 1;
      IF height % 4 = 0 THEN
        node_levels := node_levels || height::smallint;
        node_idxs := node_idxs || (new_size >> height);
        node_hashes := node_hashes || carry;
      END IF;
    END LOOP;
    stack_top := stack_top + 1;
    edge[stack_top] := carry;
    new_size := new_size + 1;
  END LOOP;
  edge := edge[1:stack_top];

  -- RFC 9162 splits off the largest complete subtree on the left: fold the right edge from the right.
  new_root := edge[stack_top];
  FOR i IN REVERSE stack_top - 1 .. 1 LOOP
    new_root := sha256('\x01'::bytea || edge[i] || new_root);
  END LOOP;

  IF cardinality(node_levels) > 0 THEN
    INSERT INTO chartproof.tree_nodes (level, idx, hash) SELECT * FROM unnest(node_levels, node_idxs, node_hashes);
  END IF;
  UPDATE chartproof.journal_head h SET round = new_round, size = new_size, root = new_root, right_edge = edge WHERE h.singleton;
  IF claimed_ids IS NOT NULL THEN
    INSERT INTO chartproof.journal_batches (max_queue_id, min_queue_id, tree_size, queue_ids, first_indexes)
    VALUES (claimed_ids[cardinality(claimed_ids)], claimed_ids[1], new_size, claimed_ids, claimed_firsts);
  END IF;
  -- Now and then, the oldest receipts nobody can still be waiting for: bounded work, and more rows
  -- each time than the rounds in between add.
  IF new_round % 64 = 0 THEN
    DELETE FROM chartproof.journal_batches b
    WHERE b.max_queue_id IN (SELECT o.max_queue_id FROM chartproof.journal_batches o ORDER BY o.max_queue_id LIMIT 256)
      AND b.integrated_at < now() - interval '10 minutes';
  END IF;
END
$fn$;

-- Sleeps until the integrator of round commits (or at once if it has none), holding its lock in
-- shared mode until the transaction ends. A SQL function so that PL/pgSQL can inline the call.
CREATE FUNCTION chartproof.sleep_on_round(round bigint) RETURNS boolean
LANGUAGE sql VOLATILE AS $fn$
  SELECT pg_advisory_xact_lock_shared(1667787381, 10 + (round % 64)::integer) IS NOT NULL
$fn$;

-- An append inside the caller's transaction (JournalStore.transact). If it wins the next round's
-- lock, integrates new_entries right here (receipt_index and receipt_tree_size are set; the lock
-- is held until the caller commits). Otherwise queues them (queue_id and awaited_round are set);
-- the caller must commit, then CALL journal_append(NULL, queue_id, awaited_round).
CREATE FUNCTION chartproof.journal_enqueue(
  new_entries bytea[],
  OUT queue_id bigint, OUT awaited_round bigint, OUT receipt_index bigint, OUT receipt_tree_size bigint
)
LANGUAGE plpgsql AS $fn$
DECLARE
  committed_round bigint;
BEGIN
  SELECT h.round INTO STRICT committed_round FROM chartproof.journal_head h WHERE h.singleton;
  IF pg_try_advisory_xact_lock(1667787381, 10 + ((committed_round + 1) % 64)::integer) THEN
    SELECT i.own_first, i.tree_size INTO STRICT receipt_index, receipt_tree_size
    FROM chartproof.journal_integrate(new_entries, 4096, committed_round + 1) i;
  ELSE
    INSERT INTO chartproof.journal_queue (entries) VALUES (new_entries) RETURNING id INTO queue_id;
    -- The next round has its integrator, who has probably read the queue already: aim at the one after.
    awaited_round := committed_round + 2;
  END IF;
END
$fn$;

-- A whole append in one round trip. Must be CALLed outside a transaction block: it commits as it
-- goes, so that it holds a lock no longer than needed and every integration it runs is durable
-- before it returns.
-- - With new_entries: integrates them at once if it wins the next round's lock (one transaction,
--   committed when the CALL ends); otherwise queues them, commits, and waits as below.
-- - With new_entries NULL: waits for the committed queue row queued_id, starting with round
--   awaited_round (see journal_enqueue).
-- Waiting for round a: take a's lock if it is free, and integrate as round a (after round a - 1,
-- if that one is running); or else sleep on it until its integrator commits.
-- Either way it returns the index of the first entry and the size of the tree that included it.
CREATE PROCEDURE chartproof.journal_append(
  new_entries bytea[], queued_id bigint, awaited_round bigint,
  INOUT receipt_index bigint DEFAULT NULL, INOUT receipt_tree_size bigint DEFAULT NULL
)
LANGUAGE plpgsql AS $fn$
DECLARE
  committed_round bigint;
  still_queued boolean;
  blocking boolean := false;
  done boolean; -- (assignments, not PERFORM, keep the calls on PL/pgSQL's fast expression path)
BEGIN
  IF new_entries IS NOT NULL THEN
    SELECT h.round INTO STRICT committed_round FROM chartproof.journal_head h WHERE h.singleton;
    IF pg_try_advisory_xact_lock(1667787381, 10 + ((committed_round + 1) % 64)::integer) THEN
      SELECT i.own_first, i.tree_size INTO STRICT receipt_index, receipt_tree_size
      FROM chartproof.journal_integrate(new_entries, 4096, committed_round + 1) i;
      RETURN;
    END IF;
    INSERT INTO chartproof.journal_queue (entries) VALUES (new_entries) RETURNING id INTO queued_id;
    -- The queued row need not be flushed before we go on: no receipt is given for it until the
    -- integration that copies it into journal_entries commits, synchronously, and that flush
    -- covers all WAL written before it, this row included. If the server crashes first, the
    -- entries are lost unacknowledged, which the JournalStore contract allows. (Rows queued by
    -- journal_enqueue commit with the caller's own writes, and stay synchronous.)
    done := set_config('synchronous_commit', 'off', true) IS NOT NULL;
    COMMIT;
    -- The next round has its integrator, who has probably read the queue already: aim at the one after.
    awaited_round := committed_round + 2;
  END IF;
  LOOP
    IF blocking THEN
      -- The round we slept on never came: take its lock for real, queued behind whoever holds it.
      PERFORM pg_advisory_xact_lock(1667787381, 10 + (awaited_round % 64)::integer);
    END IF;
    IF blocking OR pg_try_advisory_xact_lock(1667787381, 10 + (awaited_round % 64)::integer) THEN
      -- We are awaited_round's integrator: integrate whatever is queued (perhaps not our row, if an
      -- earlier round took it), so that whoever sleeps on this round is not left waiting for nothing.
      blocking := false;
      PERFORM chartproof.journal_integrate(NULL, 4096, awaited_round);
    ELSE
      -- Someone integrates that round: sleep until it commits.
      done := chartproof.sleep_on_round(awaited_round);
    END IF;
    SELECT b.first_indexes[array_position(b.queue_ids, queued_id)], b.tree_size
    INTO receipt_index, receipt_tree_size
    FROM chartproof.journal_batches b
    WHERE b.max_queue_id >= queued_id AND b.min_queue_id <= queued_id AND array_position(b.queue_ids, queued_id) IS NOT NULL
    ORDER BY b.max_queue_id
    LIMIT 1;
    IF receipt_index IS NOT NULL THEN
      -- The CALL commits as it ends, before the client sees its result (and synchronously when we
      -- integrated): the receipt never leaves before the integration is durable.
      RETURN;
    END IF;
    -- Not found. One snapshot for the checks, since an integration deletes the queue row and adds
    -- the batch row at once.
    SELECT b.first_indexes[array_position(b.queue_ids, queued_id)], b.tree_size,
           (SELECT h.round FROM chartproof.journal_head h WHERE h.singleton),
           EXISTS (SELECT FROM chartproof.journal_queue q WHERE q.id = queued_id)
    INTO receipt_index, receipt_tree_size, committed_round, still_queued
    FROM (SELECT) AS one
    LEFT JOIN LATERAL (
      SELECT o.first_indexes, o.queue_ids, o.tree_size
      FROM chartproof.journal_batches o
      WHERE o.max_queue_id >= queued_id AND o.min_queue_id <= queued_id AND array_position(o.queue_ids, queued_id) IS NOT NULL
      ORDER BY o.max_queue_id
      LIMIT 1
    ) AS b ON true;
    IF receipt_index IS NOT NULL THEN
      RETURN;
    END IF;
    COMMIT;
    IF NOT still_queued THEN
      RAISE EXCEPTION 'queue row % is neither queued nor in a recent batch', queued_id USING ERRCODE = 'CPA02';
    END IF;
    -- Not in that round (our row came after it read the queue, or it stopped at max_queue_rows):
    -- the next one. If the round we slept on has not committed, we were granted its lock by a
    -- straggler from 64 rounds before, not woken by its commit.
    blocking := committed_round < awaited_round;
    awaited_round := greatest(awaited_round, committed_round + 1);
  END LOOP;
END
$fn$;

REVOKE ALL ON ALL ROUTINES IN SCHEMA chartproof FROM PUBLIC;
GRANT USAGE ON SCHEMA chartproof TO {{runtime}};
GRANT EXECUTE ON ALL ROUTINES IN SCHEMA chartproof TO {{runtime}};
GRANT SELECT, INSERT ON chartproof.journal_entries, chartproof.tree_nodes, chartproof.checkpoints TO {{runtime}};
GRANT SELECT, UPDATE ON chartproof.journal_head TO {{runtime}};
GRANT SELECT, INSERT, DELETE ON chartproof.journal_queue, chartproof.journal_batches TO {{runtime}};
`,
} as const;
