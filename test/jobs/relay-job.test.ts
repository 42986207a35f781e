/**
 * The relay job over a real outbox (PGlite): it publishes what the writers left, reports counts,
 * logs a run with failures as a warning, and prunes the notifier ledger it is given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRelayHandler } from '../../functions/jobs/relay-outbox.ts';
import { openPgliteRecordsDatabase, type RecordsDatabase } from '../../shared/adapters/pglite/records-database.ts';
import { SqlNotificationStore } from '../../shared/adapters/sql/notification-store.ts';
import { SqlOutbox } from '../../shared/adapters/sql/outbox.ts';
import type { DomainEvent } from '../../shared/events/domain-event.ts';
import { NOTIFIER_LEDGER_RETENTION_MS } from '../../shared/notifications/notify.ts';
import { readEntry } from '../events/fixtures.ts';

describe('the outbox relay job', () => {
  let database: RecordsDatabase;
  const logs: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  const log = {
    info: (message: string, attributes: Record<string, unknown>) => logs.push({ level: 'info', message, attributes }),
    warn: (message: string, attributes: Record<string, unknown>) => logs.push({ level: 'warn', message, attributes }),
  };

  beforeAll(async () => {
    database = await openPgliteRecordsDatabase({ dataDir: undefined });
  });

  afterAll(async () => {
    await database?.close();
  });

  it('publishes the events nobody published, once, and logs the counts', async () => {
    await database.journal.append([readEntry('patient-a'), readEntry('patient-b')]);
    const published: DomainEvent[] = [];
    const handler = makeRelayHandler({
      outbox: new SqlOutbox({ executor: database.executor }),
      publisher: { publish: async (events) => (published.push(...events), { published: events.map((event) => event.id), failed: [] }) },
      log,
      settings: { freshGraceMs: 0 },
    });

    const first = await handler({});
    const second = await handler({});

    expect([first, second]).toEqual([
      { published: 2, failed: 0, pruned: 0 },
      { published: 0, failed: 0, pruned: 0 },
    ]);
    expect(published.map((event) => [event.type, event.patientId, event.receipt.index])).toEqual([
      ['record.read', 'patient-a', 0],
      ['record.read', 'patient-b', 1],
    ]);
    expect(logs.at(-1)).toEqual({ level: 'info', message: 'outbox relay run', attributes: { published: 0, failed: 0, pruned: 0 } });
  });

  it('warns when the bus refuses events, and leaves them for a later run', async () => {
    await database.journal.append([readEntry('patient-c')]);
    const handler = makeRelayHandler({
      outbox: new SqlOutbox({ executor: database.executor }),
      publisher: { publish: async (events) => ({ published: [], failed: events.map((event) => ({ id: event.id, reason: 'ThrottlingException' })) }) },
      log,
      settings: { freshGraceMs: 0 },
    });

    expect(await handler({})).toEqual({ published: 0, failed: 1, pruned: 0 });
    expect(logs.at(-1)?.level).toBe('warn');
    const [row] = await database.executor.withSession((session) => session.query<{ attempts: number; last_error: string }>('SELECT attempts, last_error FROM chartproof.event_outbox WHERE idx = 2'));
    expect(row).toEqual({ attempts: 1, last_error: 'ThrottlingException' });
  });

  it('prunes the notifier ledger past its retention when given it, and reports how many rows went', async () => {
    const store = new SqlNotificationStore(database.executor);
    const longAgo = new Date(Date.now() - NOTIFIER_LEDGER_RETENTION_MS - 60_000).toISOString();
    await database.executor.withSession((session) => session.query('INSERT INTO chartproof.notification_events_seen (event_id, seen_at) VALUES ($1, $2), ($3, now())', ['long-ago', longAgo, 'today']));
    const handler = makeRelayHandler({
      outbox: new SqlOutbox({ executor: database.executor }),
      publisher: { publish: async (events) => ({ published: events.map((event) => event.id), failed: [] }) },
      notifierLedger: store,
      log,
      settings: { freshGraceMs: 0 },
    });

    const run = await handler({});

    expect({ ledgerPruned: run.ledgerPruned, seen: await store.seen(['long-ago', 'today']) }).toEqual({ ledgerPruned: 1, seen: new Set(['today']) });
  });
});
