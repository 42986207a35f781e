/**
 * Migration 53: the notifier ledger's per-event rows stop growing forever. Seen events and confirmed
 * deliveries (migration 40) were only ever added, one or more rows per domain event, and the runtime
 * role may not delete them: a deleted row would let a redelivery send again. (Coalescing windows,
 * one per patient and actor pair rather than per event, are not pruned here.)
 *
 * A row may go once no copy of its event can still be handled. The notifier drops events older
 * than NOTIFIER_MAX_EVENT_AGE_MS (30 days; shared/notifications/notify.ts) whatever the ledger
 * says, and an event is seen or delivered after it happened, so a row older than that (plus a
 * day's margin for clocks) can only stand for an event the notifier would drop anyway: whether it
 * comes back from the dead-letter queue (14 days), a replay of the EventBridge archive, or the
 * outbox relay. `prune_notifier_ledger` deletes such rows and refuses any younger age; it runs
 * with its owner's rights, so the runtime role can prune without being able to delete anything else.
 *
 * The indexes on the times serve the pruning's oldest-first scans.
 */
export const notifierLedgerPruningMigration = {
  version: 53,
  name: 'notifier-ledger-pruning',
  sql: String.raw`
CREATE INDEX notification_events_seen_by_time ON chartproof.notification_events_seen (seen_at);
CREATE INDEX notification_deliveries_by_time ON chartproof.notification_deliveries (delivered_at);

-- Deletes seen events and deliveries older than older_than_ms (at least 31 days), at most
-- max_rows of each, oldest first; returns how many rows went.
CREATE FUNCTION chartproof.prune_notifier_ledger(older_than_ms bigint, max_rows integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  cutoff    timestamptz;
  seen_gone integer;
  sent_gone integer;
BEGIN
  IF older_than_ms < 31::bigint * 86400000 THEN
    RAISE EXCEPTION 'notifier ledger rows are kept 31 days at least, not % ms', older_than_ms USING ERRCODE = '22023';
  END IF;
  cutoff := now() - older_than_ms * interval '1 millisecond';
  DELETE FROM chartproof.notification_events_seen s
  WHERE s.event_id IN (SELECT o.event_id FROM chartproof.notification_events_seen o WHERE o.seen_at < cutoff ORDER BY o.seen_at LIMIT max_rows);
  GET DIAGNOSTICS seen_gone = ROW_COUNT;
  DELETE FROM chartproof.notification_deliveries d
  WHERE (d.event_id, d.channel_hash) IN (
    SELECT o.event_id, o.channel_hash FROM chartproof.notification_deliveries o WHERE o.delivered_at < cutoff ORDER BY o.delivered_at LIMIT max_rows
  );
  GET DIAGNOSTICS sent_gone = ROW_COUNT;
  RETURN seen_gone + sent_gone;
END
$fn$;
REVOKE ALL ON FUNCTION chartproof.prune_notifier_ledger(bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION chartproof.prune_notifier_ledger(bigint, integer) TO {{runtime}};
`,
} as const;
