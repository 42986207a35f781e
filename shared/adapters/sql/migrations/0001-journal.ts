/**
 * Migration 1: the journal (ARCHITECTURE.md D1).
 *
 * Journal tables, append-only for every role (the owner included), INSERT and SELECT only for the
 * runtime role:
 * - journal_entries: the entry bytes, one row per leaf;
 * - tree_nodes: the hash of every complete node at levels 8, 16, 24, … (one row per 256 leaves,
 *   per 65,536 leaves, …; see shared/ledger/tiles.ts for how proofs use them);
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
 * Group commit, all of it in the database so that a writer needs one round trip. Two
 * transaction-level advisory locks (session-level ones would pin RDS Proxy connections):
 * - the integration lock (1667787381, 1), only ever taken exclusively and only with a try: it
 *   elects the one integrator; a failed try means an integrator really is at work;
 * - the wave lock (1667787381, 3), which the integrator holds exclusively from before it reads the
 *   queue until it commits, and which waiters take in shared mode to sleep until that commit: all
 *   of them wake at once (no convoy of exclusive hand-offs). A waiter holds it only for an instant
 *   and the integrator takes it with a blocking request, queued ahead of any later waiter, so
 *   waiters can delay an integrator by microseconds but never keep it out. (With a single lock,
 *   a try-lock would keep failing on those instants and the waiters would spin.)
 * 1. A writer calls journal_append. If it wins the integration lock, it integrates its entries (and
 *    anything queued) in its own transaction: one commit.
 * 2. Otherwise it commits its entries to journal_queue (durable from here on), sleeps on the wave
 *    lock, and looks up its receipt in journal_batches. If its row came in after the integrator
 *    read the queue, the first waiter to win the integration lock integrates everything pending;
 *    the others sleep on the wave lock again.
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
  entry bytea  NOT NULL CHECK (octet_length(entry) BETWEEN 1 AND 65536)
);

CREATE TABLE chartproof.tree_nodes (
  level smallint NOT NULL CHECK (level > 0 AND level % 8 = 0),
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

CREATE TABLE chartproof.journal_head (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  size       bigint  NOT NULL CHECK (size >= 0),
  root       bytea   NOT NULL CHECK (octet_length(root) = 32),
  right_edge bytea[] NOT NULL
);
INSERT INTO chartproof.journal_head (size, root, right_edge) VALUES (0, sha256(''::bytea), '{}');

-- 1 to 65536 bytes each, at least one entry, no NULL: what journal_entries accepts. Checked when a
-- row is queued, so that no queued row can make every later integration fail.
CREATE FUNCTION chartproof.valid_entries(entries bytea[]) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT cardinality(entries) > 0
     AND NOT EXISTS (SELECT FROM unnest(entries) AS e(entry) WHERE e.entry IS NULL OR octet_length(e.entry) NOT BETWEEN 1 AND 65536)
$fn$;

-- Every append inserts a row and every integration deletes it: vacuum it eagerly.
CREATE TABLE chartproof.journal_queue (
  id      bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  entries bytea[] NOT NULL CHECK (chartproof.valid_entries(entries))
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

CREATE TABLE chartproof.journal_batches (
  first_index   bigint      PRIMARY KEY,
  tree_size     bigint      NOT NULL,
  queue_ids     bigint[]    NOT NULL,
  first_indexes bigint[]    NOT NULL,
  integrated_at timestamptz NOT NULL DEFAULT now()
);

-- Integrates the oldest queued rows (at most max_queue_rows of them, in queue id order) and then
-- own_entries (may be NULL) into the tree, in the caller's transaction. Returns the index of the
-- first of own_entries (NULL without them).
-- Requires the caller's transaction to hold the integration lock (1667787381, 1) and the wave
-- lock (1667787381, 3), both exclusively; see chartproof.journal_take_integration.
-- The tree arithmetic is shared/ledger/compact-range.ts (CompactRange.append and root) over
-- PostgreSQL's sha256(); the audit recomputes all of it with that code.
CREATE FUNCTION chartproof.journal_integrate(own_entries bytea[], max_queue_rows integer) RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
  old_size       bigint;
  new_size       bigint;
  edge           bytea[];
  stack_top      integer;
  leaves         bytea[];
  claimed_ids    bigint[];
  claimed_firsts bigint[];
  own_first      bigint;
  carry          bytea;
  rest           bigint;
  height         integer;
  node_levels    smallint[] := '{}';
  node_idxs      bigint[]   := '{}';
  node_hashes    bytea[]    := '{}';
  new_root       bytea;
BEGIN
  SELECT h.size, h.right_edge INTO STRICT old_size, edge FROM chartproof.journal_head h;

  -- Claim, place and copy the queued rows in one statement; the leaf hashes come back in index order.
  WITH claimed AS (
    DELETE FROM chartproof.journal_queue q
    WHERE q.id IN (SELECT p.id FROM chartproof.journal_queue p ORDER BY p.id LIMIT max_queue_rows)
    RETURNING q.id, q.entries
  ), placed AS (
    SELECT c.id, c.entries,
           old_size + sum(cardinality(c.entries)) OVER (ORDER BY c.id) - cardinality(c.entries) AS first_idx
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

  IF own_entries IS NOT NULL THEN
    own_first := old_size + coalesce(cardinality(leaves), 0);
    WITH appended AS (
      INSERT INTO chartproof.journal_entries (idx, entry)
      SELECT own_first + e.ord - 1, e.entry FROM unnest(own_entries) WITH ORDINALITY AS e(entry, ord)
      RETURNING idx, sha256('\x00'::bytea || entry) AS leaf
    )
    SELECT coalesce(leaves, '{}') || array_agg(a.leaf ORDER BY a.idx) INTO leaves FROM appended a;
  END IF;

  IF coalesce(cardinality(leaves), 0) = 0 THEN
    RETURN NULL;
  END IF;

  -- Append each leaf to the right edge: merge it with one subtree per trailing one bit of the size.
  -- Nodes completed at levels 8, 16, 24, … are kept.
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
      IF height % 8 = 0 THEN
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
  UPDATE chartproof.journal_head SET size = new_size, root = new_root, right_edge = edge;
  IF claimed_ids IS NOT NULL THEN
    INSERT INTO chartproof.journal_batches (first_index, tree_size, queue_ids, first_indexes)
    VALUES (old_size, new_size, claimed_ids, claimed_firsts);
  END IF;
  -- A few of the oldest receipts at a time, so the table stays small at bounded cost per batch.
  DELETE FROM chartproof.journal_batches b
  WHERE b.first_index IN (SELECT o.first_index FROM chartproof.journal_batches o ORDER BY o.first_index LIMIT 4)
    AND b.integrated_at < now() - interval '10 minutes';
  RETURN own_first;
END
$fn$;

-- Tries to become the integrator: true with both locks held (until the transaction ends), false
-- if another transaction is integrating.
CREATE FUNCTION chartproof.journal_take_integration() RETURNS boolean
LANGUAGE plpgsql AS $fn$
BEGIN
  IF NOT pg_try_advisory_xact_lock(1667787381, 1) THEN
    RETURN false;
  END IF;
  -- Blocking, but only ever behind waiters that hold the wave lock for an instant.
  PERFORM pg_advisory_xact_lock(1667787381, 3);
  RETURN true;
END
$fn$;

-- Step 1 of an append, in the caller's transaction. If the integration lock is free, integrates
-- new_entries right here (receipt_index and receipt_tree_size are set; the lock is held until the
-- caller commits). Otherwise queues them (queue_id and horizon are set: horizon is a tree size
-- below every index they can get) and the caller must commit, then CALL journal_await.
CREATE FUNCTION chartproof.journal_enqueue(
  new_entries bytea[],
  OUT queue_id bigint, OUT horizon bigint, OUT receipt_index bigint, OUT receipt_tree_size bigint
)
LANGUAGE plpgsql AS $fn$
BEGIN
  IF NOT coalesce(chartproof.valid_entries(new_entries), false) THEN
    RAISE EXCEPTION 'entries must be one or more byte strings of 1 to 65536 bytes' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF chartproof.journal_take_integration() THEN
    receipt_index := chartproof.journal_integrate(new_entries, 4096);
    SELECT h.size INTO STRICT receipt_tree_size FROM chartproof.journal_head h;
  ELSE
    INSERT INTO chartproof.journal_queue (entries) VALUES (new_entries)
    RETURNING id, (SELECT h.size FROM chartproof.journal_head h) INTO queue_id, horizon;
  END IF;
END
$fn$;

-- Step 2: waits until queue row queue_id (committed) is integrated, integrating it itself when
-- nobody else is, and returns its receipt. Must be CALLed outside a transaction block: it commits
-- as it goes, so that it holds no lock while waiting and every integration it runs is durable
-- before it returns.
CREATE PROCEDURE chartproof.journal_await(
  queue_id bigint, horizon bigint, INOUT receipt_index bigint DEFAULT NULL, INOUT receipt_tree_size bigint DEFAULT NULL
)
LANGUAGE plpgsql AS $fn$
DECLARE
  integrated boolean := false;
BEGIN
  LOOP
    SELECT b.first_indexes[array_position(b.queue_ids, queue_id)], b.tree_size
    INTO receipt_index, receipt_tree_size
    FROM chartproof.journal_batches b
    WHERE b.first_index >= horizon AND array_position(b.queue_ids, queue_id) IS NOT NULL
    ORDER BY b.first_index
    LIMIT 1;
    IF FOUND THEN
      IF integrated THEN
        COMMIT; -- our own integration: durable before the receipt leaves
      END IF;
      RETURN;
    END IF;
    IF integrated AND NOT EXISTS (SELECT FROM chartproof.journal_queue q WHERE q.id = queue_id) THEN
      RAISE EXCEPTION 'queue row % is neither queued nor in a recent batch', queue_id USING ERRCODE = 'CPA02';
    END IF;
    IF integrated THEN
      COMMIT; -- a capped batch left our row for the next round; release the lock
    END IF;
    integrated := chartproof.journal_take_integration();
    IF integrated THEN
      PERFORM chartproof.journal_integrate(NULL, 4096);
    ELSE
      -- Someone is integrating: sleep until their commit, then release at once.
      PERFORM pg_advisory_xact_lock_shared(1667787381, 3);
      COMMIT;
    END IF;
  END LOOP;
END
$fn$;

-- A whole append in one round trip: journal_enqueue, and if the entries were queued, commit them
-- and journal_await. Must be CALLed outside a transaction block.
CREATE PROCEDURE chartproof.journal_append(
  new_entries bytea[], INOUT receipt_index bigint DEFAULT NULL, INOUT receipt_tree_size bigint DEFAULT NULL
)
LANGUAGE plpgsql AS $fn$
DECLARE
  queued record;
BEGIN
  SELECT * INTO STRICT queued FROM chartproof.journal_enqueue(new_entries);
  receipt_index := queued.receipt_index;
  receipt_tree_size := queued.receipt_tree_size;
  IF queued.queue_id IS NULL THEN
    RETURN; -- integrated in this transaction, which commits when the CALL ends
  END IF;
  COMMIT;
  CALL chartproof.journal_await(queued.queue_id, queued.horizon, receipt_index, receipt_tree_size);
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
