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
import { deliveryKey, type Delivery, type NotificationLedger, type NotificationLedgerPruning, type NotificationPreferencesStore, type PreferencesLookup, type SavePreferencesOutcome } from '../../ports/notifications.ts';
import { toSafeInteger, type SqlExecutor, type SqlRow, type SqlStatement } from './executor.ts';
import { notificationsMigration } from './migrations/0040-notifications.ts';

export { notificationsMigration };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const statement = (name: string, text: string): SqlStatement => ({ name: `chartproof_notify_${name}`, text });

const Q = {
  preferences: statement('preferences', 'SELECT channels, mode FROM chartproof.notification_preferences WHERE patient_id = $1::uuid'),
  preferencesOf: statement('preferences_of', 'SELECT patient_id::text AS patient_id, channels, mode FROM chartproof.notification_preferences WHERE patient_id = ANY($1::uuid[])'),
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
  seen: statement('seen', 'SELECT event_id FROM chartproof.notification_events_seen WHERE event_id = ANY($1::text[])'),
  markSeen: statement(
    'mark_seen',
    'INSERT INTO chartproof.notification_events_seen (event_id) SELECT DISTINCT unnest($1::text[]) ON CONFLICT (event_id) DO NOTHING',
  ),
  delivered: statement(
    'delivered',
    `SELECT d.event_id, d.channel_hash FROM chartproof.notification_deliveries d
     JOIN unnest($1::text[], $2::bytea[]) AS asked(event_id, channel_hash) ON d.event_id = asked.event_id AND d.channel_hash = asked.channel_hash`,
  ),
  markDelivered: statement(
    'mark_delivered',
    'INSERT INTO chartproof.notification_deliveries (event_id, channel_hash) VALUES ($1::text, $2::bytea) ON CONFLICT (event_id, channel_hash) DO NOTHING',
  ),
  pruneLedger: statement('prune_ledger', 'SELECT chartproof.prune_notifier_ledger($1::bigint, $2::integer) AS pruned'),
  windows: statement('windows', 'SELECT window_key, opened_at_ms, opened_by, coalesced, carried FROM chartproof.notification_windows WHERE window_key = ANY($1::text[])'),
  saveWindows: statement(
    'save_windows',
    `INSERT INTO chartproof.notification_windows (window_key, opened_at_ms, opened_by, coalesced, carried)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::integer[], $5::integer[])
     ON CONFLICT (window_key) DO UPDATE SET opened_at_ms = EXCLUDED.opened_at_ms, opened_by = EXCLUDED.opened_by,
       coalesced = EXCLUDED.coalesced, carried = EXCLUDED.carried, updated_at = now()`,
  ),
};

export class SqlNotificationStore implements NotificationPreferencesStore, PreferencesLookup, NotificationLedger, NotificationLedgerPruning {
  readonly #executor: SqlExecutor;

  constructor(executor: SqlExecutor) {
    this.#executor = executor;
  }

  async read(patientId: string): Promise<NotificationPreferences | undefined> {
    // Patients are UUIDs; anything else names no patient (and would be a cast error in SQL).
    if (!UUID.test(patientId)) return undefined;
    const [row] = await this.#query<{ channels: unknown; mode: unknown }>(Q.preferences, [patientId]);
    return row === undefined ? undefined : parsePreferences(patientId, row);
  }

  async save(patientId: string, preferences: NotificationPreferences): Promise<SavePreferencesOutcome> {
    if (!UUID.test(patientId)) return 'no-patient';
    const [row] = await this.#query<{ erased: unknown; saved: unknown }>(Q.savePreferences, [patientId, JSON.stringify(preferences.channels), preferences.mode]);
    if (row === undefined || row.erased === null || row.erased === undefined) return 'no-patient';
    if (row.erased === true) return 'erased';
    if (toSafeInteger(row.saved, 'saved rows') !== 1) throw new Error(`saving the notification preferences of patient ${patientId} wrote no row`);
    return 'saved';
  }

  async pruneLedger(options: { olderThanMs: number; limit: number }): Promise<number> {
    const [row] = await this.#query<{ pruned: unknown }>(Q.pruneLedger, [options.olderThanMs, options.limit]);
    return toSafeInteger(row?.pruned, 'pruned rows');
  }

  async preferencesOf(patientIds: readonly string[]): Promise<Map<string, NotificationPreferences>> {
    // Patients are UUIDs; anything else names no patient (and would be a cast error in SQL).
    const asked = patientIds.filter((id) => UUID.test(id));
    if (asked.length === 0) return new Map();
    const rows = await this.#query<{ patient_id: unknown; channels: unknown; mode: unknown }>(Q.preferencesOf, [asked]);
    // Keyed by the id as asked: the database writes UUIDs in lower case.
    const byLowerCase = new Map(asked.map((id) => [id.toLowerCase(), id]));
    return new Map(rows.map((row) => [byLowerCase.get(String(row.patient_id)) ?? String(row.patient_id), parsePreferences(String(row.patient_id), row)]));
  }

  async seen(eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    return new Set((await this.#query<{ event_id: unknown }>(Q.seen, [eventIds])).map((row) => String(row.event_id)));
  }

  async markSeen(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length > 0) await this.#query(Q.markSeen, [eventIds]);
  }

  async delivered(deliveries: readonly Delivery[]): Promise<Set<string>> {
    if (deliveries.length === 0) return new Set();
    const hashed = deliveries.map((delivery) => ({ delivery, hash: Buffer.from(channelHash(delivery.channelKey)).toString('hex') }));
    const rows = await this.#query<{ event_id: unknown; channel_hash: unknown }>(Q.delivered, [hashed.map(({ delivery }) => delivery.eventId), hashed.map(({ delivery }) => channelHash(delivery.channelKey))]);
    const found = new Set(rows.map((row) => `${String(row.event_id)}\n${Buffer.from(row.channel_hash as Uint8Array).toString('hex')}`));
    return new Set(hashed.filter(({ delivery, hash }) => found.has(`${delivery.eventId}\n${hash}`)).map(({ delivery }) => deliveryKey(delivery)));
  }

  async markDelivered(delivery: Delivery): Promise<void> {
    await this.#query(Q.markDelivered, [delivery.eventId, channelHash(delivery.channelKey)]);
  }

  async windows(keys: readonly string[]): Promise<Map<string, CoalescingWindow>> {
    if (keys.length === 0) return new Map();
    const rows = await this.#query<{ window_key: unknown; opened_at_ms: unknown; opened_by: unknown; coalesced: unknown; carried: unknown }>(Q.windows, [keys]);
    return new Map(
      rows.map((row) => [
        String(row.window_key),
        {
          openedAt: toSafeInteger(row.opened_at_ms, 'opened_at_ms'),
          openedBy: String(row.opened_by),
          coalesced: toSafeInteger(row.coalesced, 'coalesced'),
          carried: toSafeInteger(row.carried, 'carried'),
        },
      ]),
    );
  }

  async saveWindows(windows: ReadonlyMap<string, CoalescingWindow>): Promise<void> {
    if (windows.size === 0) return;
    const entries = [...windows];
    await this.#query(Q.saveWindows, [
      entries.map(([key]) => key),
      entries.map(([, window]) => window.openedAt),
      entries.map(([, window]) => window.openedBy),
      entries.map(([, window]) => window.coalesced),
      entries.map(([, window]) => window.carried),
    ]);
  }

  #query<Row extends SqlRow = SqlRow>(query: SqlStatement, values: readonly unknown[]): Promise<Row[]> {
    return this.#executor.withSession((session) => session.query<Row>(query, values));
  }
}

/** A stored preferences row, checked against the schema. */
function parsePreferences(patientId: string, row: { channels: unknown; mode: unknown }): NotificationPreferences {
  // node-postgres and PGlite both parse jsonb; a string would mean a driver that does not.
  const channels = typeof row.channels === 'string' ? (JSON.parse(row.channels) as unknown) : row.channels;
  const parsed = NotificationPreferencesSchema.safeParse({ channels, mode: row.mode });
  // The message names the patient only: the stored addresses must not reach a log.
  if (!parsed.success) throw new TypeError(`the stored notification preferences of patient ${patientId} do not match the schema`);
  return parsed.data;
}

/** The ledger's name for a channel: a hash, so the ledger holds no address. */
function channelHash(channelKey: string): Uint8Array {
  return createHash('sha256').update(channelKey, 'utf8').digest();
}
