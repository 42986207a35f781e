/**
 * Migration 40: notifications (ARCHITECTURE.md D5; shared/ports/notifications.ts).
 *
 * - notification_preferences: one row per patient who saved preferences (API.md PUT
 *   /v1/patients/{patientId}/notification-preferences). The channels hold contact addresses:
 *   personal data, never logged, journaled or put in events. A patient's erasure deletes the row in
 *   the erasure's own transaction (the trigger below), so the addresses go with the records; and a
 *   save locks the patient row FOR SHARE, so no save can land after an erasure.
 * - notifier ledger (the durable NotificationLedger, so a redelivered event never sends twice):
 *   - notification_events_seen: events whose handling finished;
 *   - notification_deliveries: (event, channel) pairs a channel confirmed. The channel is kept as
 *     the SHA-256 of its key ("email:someone@example.org"), never the address itself;
 *   - notification_windows: coalescing windows by key (ids only: patient, actor role and id);
 *     `opened_at_ms` is epoch milliseconds, kept exact as the notifier's clock gives it.
 *   Seen events and deliveries only grow; pruning rows older than the queue's retention (plus the
 *   DLQ's) is safe, since no redelivery can come after it, and is left to a scheduled job.
 *
 * `{{runtime}}` is the runtime role: it may read and write these rows, but never delete ledger
 * rows (a deleted row would let a redelivery send again).
 */
export const notificationsMigration = {
  version: 40,
  name: 'notifications',
  sql: String.raw`
CREATE TABLE chartproof.notification_preferences (
  patient_id uuid        PRIMARY KEY REFERENCES chartproof.patients (patient_id),
  channels   jsonb       NOT NULL CHECK (jsonb_typeof(channels) = 'array'),
  mode       text        NOT NULL CHECK (mode IN ('immediate', 'digest')),
  updated_at timestamptz NOT NULL
);

CREATE FUNCTION chartproof.forget_notification_preferences() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM chartproof.notification_preferences WHERE patient_id = NEW.patient_id;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER patients_erasure_forgets_notification_preferences AFTER UPDATE OF erased_at ON chartproof.patients
  FOR EACH ROW WHEN (OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL)
  EXECUTE FUNCTION chartproof.forget_notification_preferences();

CREATE TABLE chartproof.notification_events_seen (
  event_id text        PRIMARY KEY CHECK (char_length(event_id) BETWEEN 1 AND 128),
  seen_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chartproof.notification_deliveries (
  event_id     text        NOT NULL CHECK (char_length(event_id) BETWEEN 1 AND 128),
  channel_hash bytea       NOT NULL CHECK (octet_length(channel_hash) = 32),
  delivered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, channel_hash)
);

CREATE TABLE chartproof.notification_windows (
  window_key   text        PRIMARY KEY CHECK (char_length(window_key) BETWEEN 1 AND 300),
  opened_at_ms bigint      NOT NULL,
  opened_by    text        NOT NULL CHECK (char_length(opened_by) BETWEEN 1 AND 128),
  coalesced    integer     NOT NULL CHECK (coalesced >= 0),
  carried      integer     NOT NULL CHECK (carried >= 0),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

REVOKE ALL ON FUNCTION chartproof.forget_notification_preferences() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION chartproof.forget_notification_preferences() TO {{runtime}};
-- DELETE on preferences: the erasure trigger runs as the erasing (runtime) session.
GRANT SELECT, INSERT, UPDATE, DELETE ON chartproof.notification_preferences TO {{runtime}};
GRANT SELECT, INSERT ON chartproof.notification_events_seen, chartproof.notification_deliveries TO {{runtime}};
GRANT SELECT, INSERT, UPDATE ON chartproof.notification_windows TO {{runtime}};
`,
} as const;
