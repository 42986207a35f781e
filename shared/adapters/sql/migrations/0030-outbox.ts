/**
 * Migration 30: the event outbox (ARCHITECTURE.md D4; shared/ports/outbox.ts).
 *
 * One row per journal entry, inserted by a trigger on journal_entries, so the row commits in the
 * very transaction that journals its entry: no use case can journal without producing its event,
 * and none can produce an event for an entry that did not commit. The event itself is derived from
 * the entry (shared/events/event-from-entry.ts), so the row holds delivery state only:
 * - attempts: failed publications so far (the relay's backoff grows with it);
 * - next_attempt_at: when the relay may take the row. A fresh row is the writer's first (its
 *   request publishes right after commit), so the relay leaves it alone for a grace period; a
 *   row the relay claims is leased until this time, so two relays do not publish it together;
 * - published_at, publications: when it was first accepted by the bus, and how many times it was
 *   (more than 1 only when a publisher crashed, or its lease ran out, between the bus accepting
 *   it and the mark: delivery is at-least-once, and this column makes the duplicates visible);
 * - last_error: the publisher's reason of the last failure (an error code, never event content).
 *
 * Delivery state is not journal data: rows change, and published rows are pruned after a
 * retention period. `{{runtime}}` is the runtime role.
 */
export const outboxMigration = {
  version: 30,
  name: 'event-outbox',
  sql: String.raw`
CREATE TABLE chartproof.event_outbox (
  idx             bigint      PRIMARY KEY CHECK (idx >= 0),
  attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  published_at    timestamptz,
  publications    integer     NOT NULL DEFAULT 0 CHECK (publications >= 0),
  last_error      text        CHECK (octet_length(last_error) <= 500)
) WITH (autovacuum_vacuum_scale_factor = 0.05);

-- What the relay scans: the unpublished rows, by when they are due.
CREATE INDEX event_outbox_due ON chartproof.event_outbox (next_attempt_at) WHERE published_at IS NULL;
-- What pruning scans.
CREATE INDEX event_outbox_published ON chartproof.event_outbox (published_at) WHERE published_at IS NOT NULL;

-- Statement-level with a transition table: one INSERT per integration, however many entries it placed.
CREATE FUNCTION chartproof.outbox_journaled_entries() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO chartproof.event_outbox (idx) SELECT a.idx FROM journaled AS a;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER journal_entries_outbox AFTER INSERT ON chartproof.journal_entries
  REFERENCING NEW TABLE AS journaled
  FOR EACH STATEMENT EXECUTE FUNCTION chartproof.outbox_journaled_entries();

-- Entries journaled before this migration were never announced; they stay that way (a backfill
-- would alert patients about old accesses as if they were new).

REVOKE ALL ON FUNCTION chartproof.outbox_journaled_entries() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION chartproof.outbox_journaled_entries() TO {{runtime}};
GRANT SELECT, INSERT, UPDATE, DELETE ON chartproof.event_outbox TO {{runtime}};
`,
} as const;
