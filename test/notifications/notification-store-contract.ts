/**
 * The contract of SqlNotificationStore (shared/adapters/sql/notification-store.ts), run on PGlite
 * (notification-store.test.ts) and PostgreSQL (notification-store.int.test.ts): preferences saved,
 * replaced, refused for unknown and erased patients and forgotten by erasure; the notifier ledger's
 * marks idempotent and visible to another session (committed) as soon as they return; the runtime
 * role unable to delete ledger rows; no contact address in the ledger; and the notifier itself run
 * over the store, sending once despite redelivery.
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqlExecutor } from '../../shared/adapters/sql/executor.ts';
import { SqlNotificationStore } from '../../shared/adapters/sql/notification-store.ts';
import type { NotificationMessage } from '../../shared/notifications/message.ts';
import { makeNotify, NOTIFIER_LEDGER_RETENTION_MS } from '../../shared/notifications/notify.ts';
import type { NotificationPreferences } from '../../shared/notifications/preferences.ts';
import { anEvent } from '../events/fixtures.ts';

/** A database with every migration, seen through runtime-role executors. */
export type NotificationDatabase = {
  /** The executor the store under test uses. */
  readonly executor: SqlExecutor;
  /** Another session (PostgreSQL: another connection) on the same database, or the same one where there is only one (PGlite). */
  readonly otherExecutor: SqlExecutor;
  close(): Promise<void>;
};

const PREFERENCES: NotificationPreferences = {
  channels: [
    { type: 'email', address: 'pat@example.org' },
    { type: 'sms', address: '+14155550123' },
    { type: 'webhook', address: 'https://hooks.example.org/chartproof?x=1' },
  ],
  mode: 'digest',
};

async function insertPatient(executor: SqlExecutor): Promise<string> {
  const patientId = randomUUID();
  await executor.withSession((session) =>
    session.query(
      `INSERT INTO chartproof.patients (patient_id, wrapped_key, registered_at, leaf_hash) VALUES ($1::uuid, '\\x00'::bytea, now(), $2::bytea)`,
      [patientId, createHash('sha256').update(patientId).digest()],
    ),
  );
  return patientId;
}

async function erasePatient(executor: SqlExecutor, patientId: string): Promise<void> {
  // What erasure does to the patient row (shared/adapters/sql/patient-control.ts), as the runtime role.
  await executor.withSession((session) => session.query('UPDATE chartproof.patients SET wrapped_key = NULL, erased_at = now() WHERE patient_id = $1::uuid', [patientId]));
}

export function describeNotificationStore(name: string, options: { skip: boolean; open: () => Promise<NotificationDatabase> }): void {
  describe.skipIf(options.skip)(`${name}`, () => {
    let database: NotificationDatabase;
    let store: SqlNotificationStore;
    let other: SqlNotificationStore;

    beforeEach(async () => {
      database = await options.open();
      store = new SqlNotificationStore(database.executor);
      other = new SqlNotificationStore(database.otherExecutor);
    });

    afterEach(async () => {
      await database.close();
    });

    describe('preferences', () => {
      it('reads nothing for a patient who never saved any, or for an id that is not a patient UUID', async () => {
        const patientId = await insertPatient(database.executor);

        expect([await store.read(patientId), await store.read(randomUUID()), await store.preferencesOf(['patient-a', patientId])]).toEqual([undefined, undefined, new Map()]);
      });

      it('saves, reads back from another session, and replaces', async () => {
        // Prepare
        const patientId = await insertPatient(database.executor);

        // Act
        const first = await store.save(patientId, PREFERENCES);
        const afterFirst = await other.read(patientId);
        const second = await store.save(patientId, { channels: [], mode: 'immediate' });

        // Assess
        expect({ first, afterFirst, second, afterSecond: (await other.preferencesOf([patientId, randomUUID()])).get(patientId) }).toEqual({
          first: 'saved',
          afterFirst: PREFERENCES,
          second: 'saved',
          afterSecond: { channels: [], mode: 'immediate' },
        });
      });

      it('refuses an unknown patient and writes nothing', async () => {
        const outcome = await store.save(randomUUID(), PREFERENCES);

        expect({ outcome, rows: await count(database.executor, 'notification_preferences') }).toEqual({ outcome: 'no-patient', rows: 0 });
      });

      it("forgets the addresses when the patient is erased, and refuses to save them again", async () => {
        // Prepare
        const patientId = await insertPatient(database.executor);
        await store.save(patientId, PREFERENCES);

        // Act
        await erasePatient(database.executor, patientId);
        const afterErasure = await store.read(patientId);
        const saveAgain = await store.save(patientId, PREFERENCES);

        // Assess
        expect({ afterErasure, saveAgain, rows: await count(database.executor, 'notification_preferences') }).toEqual({ afterErasure: undefined, saveAgain: 'erased', rows: 0 });
      });

      it('never leaves preferences behind when a save races the erasure (on PostgreSQL, from another connection)', async () => {
        // Prepare
        const patientIds = await Promise.all(Array.from({ length: 12 }, () => insertPatient(database.executor)));

        // Act
        const outcomes = await Promise.all(
          patientIds.map(async (patientId, n) => {
            // Alternate which is sent first, so both orders are tried.
            const erasure = n % 2 === 0 ? undefined : erasePatient(database.otherExecutor, patientId);
            const saved = store.save(patientId, PREFERENCES);
            await (erasure ?? erasePatient(database.otherExecutor, patientId));
            return saved;
          }),
        );

        // Assess
        expect({ outcomes: outcomes.every((outcome) => outcome === 'saved' || outcome === 'erased'), rows: await count(database.executor, 'notification_preferences') }).toEqual({ outcomes: true, rows: 0 });
      });
    });

    describe('ledger', () => {
      it('marks an event seen once, idempotently, visibly to another session as soon as the mark returns', async () => {
        // Prepare
        const eventId = randomUUID();
        const otherEvent = randomUUID();
        const before = await store.seen([eventId, otherEvent]);

        // Act
        await store.markSeen([eventId, eventId]);
        const seenElsewhere = await other.seen([eventId, otherEvent]);
        await Promise.all([store.markSeen([eventId]), other.markSeen([eventId]), store.markSeen([])]);

        // Assess
        expect({ before, seenElsewhere, rows: await count(database.executor, 'notification_events_seen') }).toEqual({
          before: new Set(),
          seenElsewhere: new Set([eventId]),
          rows: 1,
        });
      });

      it('marks deliveries per event and channel, idempotently, keeping a hash of the channel and never its address', async () => {
        // Prepare
        const eventId = randomUUID();
        const email = 'email:pat@example.org';

        // Act
        await store.markDelivered({ eventId, channelKey: email });
        await Promise.all([store.markDelivered({ eventId, channelKey: email }), other.markDelivered({ eventId, channelKey: email })]);

        // Assess
        const rows = await database.executor.withSession((session) => session.query('SELECT event_id, channel_hash::text AS hash, delivered_at::text AS at FROM chartproof.notification_deliveries'));
        const asked = [
          { eventId, channelKey: email },
          { eventId, channelKey: 'sms:+14155550123' },
          { eventId: randomUUID(), channelKey: email },
        ];
        expect({
          delivered: await other.delivered(asked),
          none: await store.delivered([]),
          rows: rows.length,
          holdsAddress: JSON.stringify(rows).includes('pat@example.org'),
        }).toEqual({ delivered: new Set([`${eventId}\n${email}`]), none: new Set(), rows: 1, holdsAddress: false });
      });

      it('stores coalescing windows exactly (epoch milliseconds), and replaces them', async () => {
        // Prepare
        const key = `${randomUUID()}/practitioner:dr-who`;
        const first = { openedAt: Date.parse('2026-11-25T01:00:00.123Z'), openedBy: randomUUID(), coalesced: 0, carried: 3 };
        const second = { ...first, coalesced: 41 };

        // Act
        const none = await store.windows([key]);
        await store.saveWindows(new Map([[key, first]]));
        const afterFirst = await other.windows([key, `${key}x`]);
        await store.saveWindows(new Map([[key, second], [`${key}y`, first]]));

        // Assess
        expect({ none, afterFirst, afterSecond: await store.windows([key, `${key}x`, `${key}y`]) }).toEqual({
          none: new Map(),
          afterFirst: new Map([[key, first]]),
          afterSecond: new Map([[key, second], [`${key}y`, first]]),
        });
      });

      it('lets the runtime role insert ledger rows but never delete or change seen events and deliveries', async () => {
        // Prepare
        await store.markSeen(['e-1']);
        await store.markDelivered({ eventId: 'e-1', channelKey: 'email:pat@example.org' });

        // Act
        const errors = await Promise.all(
          [
            'DELETE FROM chartproof.notification_events_seen',
            'UPDATE chartproof.notification_events_seen SET seen_at = now()',
            'DELETE FROM chartproof.notification_deliveries',
            'DELETE FROM chartproof.notification_windows',
          ].map((text) =>
            database.executor.withSession((session) => session.query(text)).then(
              () => 'allowed',
              (error: unknown) => (error as { code?: string }).code,
            ),
          ),
        );

        // Assess: 42501 is insufficient_privilege.
        expect({ errors, seen: await store.seen(['e-1']) }).toEqual({ errors: ['42501', '42501', '42501', '42501'], seen: new Set(['e-1']) });
      });
    });

    it('prunes seen events and deliveries past the retention through its function, and refuses a shorter retention', async () => {
      // Prepare: rows as old as the retention and a day short of it (the runtime role may set the times it inserts)
      const day = 24 * 3_600_000;
      const insert = (text: string, values: unknown[]) => database.executor.withSession((session) => session.query(text, values));
      for (const [eventId, ageDays] of [['old-1', 40], ['old-2', 32], ['young', 30]] as const) {
        const at = new Date(Date.now() - ageDays * day).toISOString();
        await insert('INSERT INTO chartproof.notification_events_seen (event_id, seen_at) VALUES ($1, $2)', [eventId, at]);
        await insert("INSERT INTO chartproof.notification_deliveries (event_id, channel_hash, delivered_at) VALUES ($1, sha256('email:pat@example.org'::bytea), $2)", [eventId, at]);
      }

      // Act
      const limited = await store.pruneLedger({ olderThanMs: NOTIFIER_LEDGER_RETENTION_MS, limit: 1 });
      const afterLimited = await store.seen(['old-1', 'old-2']);
      const rest = await store.pruneLedger({ olderThanMs: NOTIFIER_LEDGER_RETENTION_MS, limit: 100 });
      const tooYoung = await store.pruneLedger({ olderThanMs: 30 * day, limit: 100 }).then(
        () => 'pruned',
        (error: unknown) => (error as { code?: string }).code,
      );

      // Assess: the oldest first, never a row younger than the retention; 22023 is invalid_parameter_value.
      expect({ limited, afterLimited, rest, tooYoung, seen: await store.seen(['old-1', 'old-2', 'young']) }).toEqual({
        limited: 2, // one seen event and one delivery
        afterLimited: new Set(['old-2']),
        rest: 2,
        tooYoung: '22023',
        seen: new Set(['young']),
      });
    });

    it('backs the notifier: a redelivered event sends once per channel, and a failed channel is retried alone', async () => {
      // Prepare
      const patientId = await insertPatient(database.executor);
      await store.save(patientId, {
        channels: [
          { type: 'email', address: 'pat@example.org' },
          { type: 'sms', address: '+14155550123' },
        ],
        mode: 'immediate',
      });
      const sent: { channel: string; address: string; message: NotificationMessage }[] = [];
      let smsFailures = 1;
      const notify = makeNotify({
        preferences: store,
        ledger: store,
        channels: {
          email: { send: async ({ address, message }) => void sent.push({ channel: 'email', address, message }) },
          sms: {
            send: async ({ address, message }) => {
              if (smsFailures-- > 0) throw new Error('provider unavailable');
              sent.push({ channel: 'sms', address, message });
            },
          },
        },
        clock: () => Date.parse('2026-11-25T01:00:00.000Z'),
        message: { accessLogBaseUrl: 'https://app.example.org' },
      });
      const event = anEvent({ type: 'access.break-glass', patientId });

      // Act
      const outcomes = [...(await notify([event])), ...(await notify([event])), ...(await notify([event, event]))];

      // Assess
      expect({ statuses: outcomes.map((outcome) => outcome.status), sent: sent.map(({ channel, address }) => `${channel}:${address}`) }).toEqual({
        statuses: ['failed', 'sent', 'duplicate', 'duplicate'],
        sent: ['email:pat@example.org', 'sms:+14155550123'],
      });
    });
  });
}

async function count(executor: SqlExecutor, table: string): Promise<number> {
  const [row] = await executor.withSession((session) => session.query<{ n: unknown }>(`SELECT count(*)::integer AS n FROM chartproof.${table}`));
  return Number(row?.n);
}
