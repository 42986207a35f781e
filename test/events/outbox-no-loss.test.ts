/**
 * No loss, no duplicates (issue #6 acceptance 3), over HTTP on the embedded defaults: the bus fails
 * in three ways during 1,000 accesses (down, lost responses, random refusals); after it recovers
 * and the relay has run, every event is marked published exactly once in the outbox, and the
 * notifier has handled every event once and sent no alert twice, although many events reached it
 * more than once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createLogger } from '../../functions/http/observability.ts';
import { startLocalApi, type RunningApi } from '../../functions/local/local-api.ts';
import { mintLocalToken, openLocalTokenKeys } from '../../functions/local/tokens.ts';
import { makeNotify, type NotifyOutcome } from '../../shared/notifications/notify.ts';
import { MemoryNotificationLedger } from '../../shared/notifications/memory-ledger.ts';
import { apiClient, type ApiClient } from '../e2e/support/api-client.ts';
import { everyPatientChose } from '../notifications/fixtures.ts';
import { FaultyPublisher } from './faulty-publisher.ts';

const ACCESSES = 1_000;
const CONCURRENCY = 8;

describe('the outbox under a failing bus', () => {
  let api: RunningApi;
  let client: ApiClient;
  let dataDir: string;
  let faulty: FaultyPublisher;
  const outcomes: NotifyOutcome[] = [];
  const sends = new Map<string, number>();
  const tokens: Record<string, string> = {};
  let patientId = '';
  let recordId = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chartproof-outbox-faults-'));
    api = await startLocalApi({
      config: { dataDir, origin: 'chartproof.test/journal', logLevel: 'SILENT' },
      port: 0,
      logger: createLogger({ serviceName: 'outbox-faults', logLevel: 'SILENT' }),
      // The test runs the relay itself, after recovery.
      checkpointer: false,
      publisher: (bus) => (faulty = new FaultyPublisher(bus)),
    });
    client = apiClient(api.url);
    // A notifier of the test's own, with a channel that counts what it sends per event.
    const notify = makeNotify({
      preferences: everyPatientChose({ channels: [{ type: 'email', address: 'patient@example.org' }], mode: 'immediate' }),
      ledger: new MemoryNotificationLedger(),
      channels: {
        email: {
          send: async ({ message }) => {
            sends.set(message.id, (sends.get(message.id) ?? 0) + 1);
          },
        },
      },
      clock: Date.now,
      message: { accessLogBaseUrl: 'https://app.example.org' },
    });
    api.app.events.bus.subscribe(async (events) => {
      outcomes.push(...(await notify(events)));
    });

    const { privateKey } = await openLocalTokenKeys({ dataDir });
    tokens.admin = await mintLocalToken({ privateKey, role: 'admin', sub: 'admin-1' });
    tokens.a = await mintLocalToken({ privateKey, role: 'practitioner', sub: 'dr-a' });
    tokens.b = await mintLocalToken({ privateKey, role: 'practitioner', sub: 'dr-b' });
    patientId = z.object({ patientId: z.string() }).parse((await client.request('POST', '/v1/patients', { token: tokens.admin, body: {} })).json).patientId;
    tokens.patient = await mintLocalToken({ privateKey, role: 'patient', sub: 'patient-1', patientId });
    const observation = { resourceType: 'Observation', status: 'final', code: { text: 'heart rate' } };
    recordId = z.object({ recordId: z.string() }).parse((await client.request('POST', `/v1/patients/${patientId}/records`, { token: tokens.a, body: { resource: observation, category: 'lab' } })).json).recordId;
    const granted = await client.request('POST', `/v1/patients/${patientId}/consents`, { token: tokens.patient, body: { grantee: 'dr-a', scope: { all: true } } });
    if (granted.status !== 201) throw new Error(`granting the consent answered ${granted.status}`);
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('publishes every event exactly once after recovery, and the notifier sends each alert once', async () => {
    const modes = ['down', 'lost-response', 'flaky'] as const;
    const statuses: number[] = [];
    let next = 0;
    const worker = async () => {
      for (let access = next++; access < ACCESSES; access = next++) {
        faulty.mode = modes[Math.floor((access * modes.length) / ACCESSES)]!;
        // Three in ten are denied (dr-b has no consent: an immediate alert each); the rest are permitted reads.
        const token = access % 10 < 3 ? tokens.b : tokens.a;
        statuses.push((await client.request('GET', `/v1/patients/${patientId}/records/${recordId}`, { token })).status);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(statuses.filter((status) => status === 200)).toHaveLength(700);
    expect(statuses.filter((status) => status === 403)).toHaveLength(300);
    await api.app.events.dispatcher.idle();

    const query = (text: string) => api.app.database.executor.withSession((session) => session.query<Record<string, unknown>>(text));
    const unpublished = async () => Number((await query('SELECT count(*)::integer AS n FROM chartproof.event_outbox WHERE published_at IS NULL'))[0]!.n);
    expect(await unpublished()).toBeGreaterThan(0); // the faults did leave work for the relay

    faulty.mode = 'up';
    for (let round = 0; (await unpublished()) > 0; round += 1) {
      if (round > 100) throw new Error('the relay did not catch up');
      await api.app.events.relay({ freshGraceMs: 0 });
      await sleep(200); // failed items wait for their backoff
    }

    const journalSize = (await api.app.database.journal.treeHead()).size;
    const rows = await query('SELECT idx, publications FROM chartproof.event_outbox ORDER BY idx');
    expect(rows.map((row) => Number(row.idx))).toEqual(Array.from({ length: journalSize }, (_, index) => index));
    expect(rows.filter((row) => row.publications !== 1)).toEqual([]);

    // Lost responses made the bus carry events twice; the notifier took each event once.
    expect([...faulty.delivered.values()].some((count) => count > 1)).toBe(true);
    const handled = outcomes.filter((outcome) => outcome.status !== 'duplicate');
    expect(new Set(handled.map((outcome) => outcome.eventId)).size).toBe(handled.length);
    expect(handled).toHaveLength(journalSize);
    expect(outcomes.some((outcome) => outcome.status === 'duplicate')).toBe(true);
    // Every denial alerted once; the permitted reads coalesced into their window's one alert.
    const twice = [...sends].filter(([, count]) => count > 1).map(([id]) => id);
    expect(twice.map((id) => outcomes.filter((outcome) => outcome.eventId === id).map((outcome) => outcome.status))).toEqual([]);
    const sent = handled.filter((outcome) => outcome.status === 'sent');
    expect(sent).toHaveLength(sends.size);
    expect(outcomes.filter((outcome) => outcome.status === 'failed')).toEqual([]);
    expect(sends.size).toBeGreaterThanOrEqual(300);
    expect(sends.size).toBeLessThan(310);
  }, 120_000);
});
