/**
 * Notification preferences and the notifier's ledger over SQL (PostgreSQL and PGlite): the tables
 * of migrations/0040-notifications.ts.
 *
 * Every method is one statement outside any transaction, so it has committed (durably, with the
 * server's default synchronous_commit) when it resolves: what the NotificationLedger port asks of
 * its writes. The marks are idempotent (ON CONFLICT DO NOTHING), so two notifier instances racing
 * on one redelivered event both succeed.
 *
 * Preferences hold contact addresses: nothing here logs them or puts them in an error message, and
 * the ledger keeps only the SHA-256 of a channel key, never the address.
 */
import { createHash } from 'node:crypto';
import type { CoalescingWindow } from '../../notifications/coalesce.ts';
import { NotificationPreferencesSchema, type NotificationPreferences } from '../../notifications/preferences.ts';
import type { NotificationLedger, NotificationPreferencesStore, PreferencesLookup, SavePreferencesOutcome } from '../../ports/notifications.ts';
import { toSafeInteger, type SqlExecutor, type SqlRow, type SqlStatement } from './executor.ts';
import { notificationsMigration } from './migrations/0040-notifications.ts';

export { notificationsMigration };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const statement = (name: string, text: string): SqlStatement => ({ name: `chartproof_notify_${name}`, text });

const Q = {
  preferences: statement('preferences', 'SELECT channels, mode FROM chartproof.notification_preferences WHERE patient_id = $1::uuid'),
  // FOR SHARE: an erasure (an UPDATE of the patient row) waits for this save, and this save for an
  // erasure in progress, so preferences never outlive their patient's erasure.
  savePreferences: statement(
    'save_preferences',
    `WITH patient AS (
       SELECT erased_at IS NOT NULL AS erased FROM chartproof.patients WHERE patient_id = $1::uuid FOR SHARE
     ), saved AS (
       INSERT INTO chartproof.notification_preferences (patient_id, channels, mode, updated_at)
       SELECT $1::uuid, $2::jsonb, $3::text, now() FROM patient WHERE NOT patient.erased
       ON CONFLICT (patient_id) DO UPDATE SET channels = EXCLUDED.channels, mode = EXCLUDED.mode, updated_at = EXCLUDED.updated_at
       RETURNING patient_id
     )
     SELECT (SELECT erased FROM patient) AS erased, (SELECT count(*) FROM saved) AS saved`,
  ),
  seen: statement('seen', 'SELECT 1 AS found FROM chartproof.notification_events_seen WHERE event_id = $1::text'),
  markSeen: statement('mark_seen', 'INSERT INTO chartproof.notification_events_seen (event_id) VALUES ($1::text) ON CONFLICT (event_id) DO NOTHING'),
  delivered: statement('delivered', 'SELECT 1 AS found FROM chartproof.notification_deliveries WHERE event_id = $1::text AND channel_hash = $2::bytea'),
  markDelivered: statement(
    'mark_delivered',
    'INSERT INTO chartproof.notification_deliveries (event_id, channel_hash) VALUES ($1::text, $2::bytea) ON CONFLICT (event_id, channel_hash) DO NOTHING',
  ),
  window: statement('window', 'SELECT opened_at_ms, opened_by, coalesced, carried FROM chartproof.notification_windows WHERE window_key = $1::text'),
  saveWindow: statement(
    'save_window',
    `INSERT INTO chartproof.notification_windows (window_key, opened_at_ms, opened_by, coalesced, carried)
     VALUES ($1::text, $2::bigint, $3::text, $4::integer, $5::integer)
     ON CONFLICT (window_key) DO UPDATE SET opened_at_ms = EXCLUDED.opened_at_ms, opened_by = EXCLUDED.opened_by,
       coalesced = EXCLUDED.coalesced, carried = EXCLUDED.carried, updated_at = now()`,
  ),
};

export class SqlNotificationStore implements NotificationPreferencesStore, PreferencesLookup, NotificationLedger {
  readonly #executor: SqlExecutor;

  constructor(executor: SqlExecutor) {
    this.#executor = executor;
  }

  async read(patientId: string): Promise<NotificationPreferences | undefined> {
    // Patients are UUIDs; anything else names no patient (and would be a cast error in SQL).
    if (!UUID.test(patientId)) return undefined;
    const [row] = await this.#query<{ channels: unknown; mode: unknown }>(Q.preferences, [patientId]);
    if (row === undefined) return undefined;
    // node-postgres and PGlite both parse jsonb; a string would mean a driver that does not.
    const channels = typeof row.channels === 'string' ? (JSON.parse(row.channels) as unknown) : row.channels;
    const parsed = NotificationPreferencesSchema.safeParse({ channels, mode: row.mode });
    // The message names the patient only: the stored addresses must not reach a log.
    if (!parsed.success) throw new TypeError(`the stored notification preferences of patient ${patientId} do not match the schema`);
    return parsed.data;
  }

  async save(patientId: string, preferences: NotificationPreferences): Promise<SavePreferencesOutcome> {
    if (!UUID.test(patientId)) return 'no-patient';
    const [row] = await this.#query<{ erased: unknown; saved: unknown }>(Q.savePreferences, [patientId, JSON.stringify(preferences.channels), preferences.mode]);
    if (row === undefined || row.erased === null || row.erased === undefined) return 'no-patient';
    if (row.erased === true) return 'erased';
    if (toSafeInteger(row.saved, 'saved rows') !== 1) throw new Error(`saving the notification preferences of patient ${patientId} wrote no row`);
    return 'saved';
  }

  preferencesOf(patientId: string): Promise<NotificationPreferences | undefined> {
    return this.read(patientId);
  }

  async seen(eventId: string): Promise<boolean> {
    return (await this.#query(Q.seen, [eventId])).length > 0;
  }

  async markSeen(eventId: string): Promise<void> {
    await this.#query(Q.markSeen, [eventId]);
  }

  async delivered(eventId: string, channelKey: string): Promise<boolean> {
    return (await this.#query(Q.delivered, [eventId, channelHash(channelKey)])).length > 0;
  }

  async markDelivered(eventId: string, channelKey: string): Promise<void> {
    await this.#query(Q.markDelivered, [eventId, channelHash(channelKey)]);
  }

  async window(key: string): Promise<CoalescingWindow | undefined> {
    const [row] = await this.#query<{ opened_at_ms: unknown; opened_by: unknown; coalesced: unknown; carried: unknown }>(Q.window, [key]);
    if (row === undefined) return undefined;
    return {
      openedAt: toSafeInteger(row.opened_at_ms, 'opened_at_ms'),
      openedBy: String(row.opened_by),
      coalesced: toSafeInteger(row.coalesced, 'coalesced'),
      carried: toSafeInteger(row.carried, 'carried'),
    };
  }

  async saveWindow(key: string, window: CoalescingWindow): Promise<void> {
    await this.#query(Q.saveWindow, [key, window.openedAt, window.openedBy, window.coalesced, window.carried]);
  }

  #query<Row extends SqlRow = SqlRow>(query: SqlStatement, values: readonly unknown[]): Promise<Row[]> {
    return this.#executor.withSession((session) => session.query<Row>(query, values));
  }
}

/** The ledger's name for a channel: a hash, so the ledger holds no address. */
function channelHash(channelKey: string): Uint8Array {
  return createHash('sha256').update(channelKey, 'utf8').digest();
}
