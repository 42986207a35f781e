/**
 * Events and notifications on the embedded defaults (issue #6 acceptance 5):
 *
 *   npm run bench:events
 *
 * 1. Outbox to notifier throughput: EVENTS record.read entries by many practitioners about many
 *    patients (each with email and webhook preferences) are journaled while the bus is down, so
 *    they wait in the outbox; then the bus comes back and the relay runs until the notifier has
 *    handled every one (deduplication, preferences, coalescing, the file channel's lines).
 *    Target: >= 2,000 events/s.
 * 2. Added latency on the request path: the same sequence of practitioner reads over HTTP against
 *    the local API with the outbox and notifier at work, and against one with neither (the outbox
 *    trigger disabled, no publication, no notifier). Interleaved in rounds so that load drifts hit
 *    both alike. Target: p99 difference <= 2 ms.
 *
 * Prints a table to stderr and JSON to stdout, writes bench/results/events.json, and exits 1 when a
 * target is missed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../functions/http/observability.ts';
import { startLocalApi, type RunningApi } from '../functions/local/local-api.ts';
import { mintLocalToken, openLocalTokenKeys } from '../functions/local/tokens.ts';
import type { DomainEvent } from '../shared/events/domain-event.ts';
import { entryBytes } from '../shared/ledger/entry.ts';
import type { EventPublisher, PublishOutcome } from '../shared/ports/event-publisher.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const PATIENTS = 200;
const PRACTITIONERS = 50;
const REQUESTS_PER_ROUND = 250;
const ROUNDS = 8;
const MIN_EVENTS_PER_SECOND = 2_000;
const MAX_ADDED_P99_MS = 2;

const round = (value: number) => Math.round(value * 100) / 100;
const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

/** A bus switch in front of the in-process bus. */
class Switch implements EventPublisher {
  up = true;
  readonly #inner: EventPublisher;
  constructor(inner: EventPublisher) {
    this.#inner = inner;
  }
  publish(events: readonly DomainEvent[]): Promise<PublishOutcome> {
    return this.up ? this.#inner.publish(events) : Promise.resolve({ published: [], failed: events.map((event) => ({ id: event.id, reason: 'bench: bus down' })) });
  }
}

async function start(dataDir: string, publisher?: (bus: EventPublisher) => EventPublisher): Promise<RunningApi> {
  return startLocalApi({
    config: { dataDir, origin: 'chartproof.bench/journal', logLevel: 'SILENT' },
    port: 0,
    logger: createLogger({ serviceName: 'bench', logLevel: 'SILENT' }),
    checkpointer: false,
    printNotification: () => undefined,
    ...(publisher === undefined ? {} : { publisher }),
  });
}

async function throughput(): Promise<{ events: number; seconds: number; eventsPerSecond: number; handled: number; notifierSeen: number; alertLines: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'chartproof-bench-events-'));
  let bus: Switch | undefined;
  const api = await start(dataDir, (inner) => (bus = new Switch(inner)));
  try {
    // Registered patients who chose email and a webhook, over the API as an app would.
    const { privateKey } = await openLocalTokenKeys({ dataDir });
    const admin = await mintLocalToken({ privateKey, role: 'admin', sub: 'admin-1' });
    const patients: string[] = [];
    for (let patient = 0; patient < PATIENTS; patient++) {
      const registered = await fetch(new URL('/v1/patients', api.url), { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{}' });
      const { patientId } = (await registered.json()) as { patientId: string };
      const token = await mintLocalToken({ privateKey, role: 'patient', sub: `patient-${patient}`, patientId });
      const saved = await fetch(new URL(`/v1/patients/${patientId}/notification-preferences`, api.url), {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channels: [{ type: 'email', address: `p${patient}@example.org` }, { type: 'webhook', address: 'https://hooks.example.org/in' }], mode: 'immediate' }),
      });
      if (saved.status !== 200) throw new Error(`saving preferences answered ${saved.status}`);
      patients.push(patientId);
    }
    await api.app.events.dispatcher.idle();
    await api.app.events.relay({ freshGraceMs: 0 });
    let handled = 0;
    api.app.events.bus.subscribe((events) => {
      handled += events.length;
    });
    (bus as Switch).up = false;
    for (let first = 0; first < EVENTS; first += 500) {
      const entries = Array.from({ length: Math.min(500, EVENTS - first) }, (_, offset) => {
        const n = first + offset;
        return entryBytes({
          v: 1,
          type: n % 10 === 0 ? 'access.denied' : 'record.read',
          at: new Date(Date.UTC(2026, 10, 25, 4, 0, 0, n % 1000)).toISOString(),
          actor: { id: `dr-${n % PRACTITIONERS}`, role: 'practitioner' },
          patient: patients[n % PATIENTS] as string,
          ...(n % 10 === 0 ? { action: 'record.read', reason: 'no-consent' } : { record: { id: `record-${n}`, version: 1, sha256: Buffer.alloc(32, n % 256).toString('base64') } }),
        } as Parameters<typeof entryBytes>[0]);
      });
      await api.app.database.journal.append(entries);
    }
    await api.app.events.dispatcher.idle();
    await sleep(1_100); // the failed publications' first backoff
    (bus as Switch).up = true;
    const started = performance.now();
    while (handled < EVENTS) {
      const run = await api.app.events.relay({ freshGraceMs: 0, batchSize: 500, maxBatches: 1_000 });
      if (run.published === 0 && handled < EVENTS) await sleep(50);
    }
    const seconds = (performance.now() - started) / 1000;
    // What the notifier did with them: every event handled once (seen), alerts written to the file.
    const [row] = await api.app.database.executor.withSession((session) => session.query<{ n: number }>('SELECT count(*)::integer AS n FROM chartproof.notification_events_seen'));
    const alertLines = (await readFile(join(dataDir, 'notifications.jsonl'), 'utf8').catch(() => '')).split('\n').filter((line) => line !== '').length;
    return { events: EVENTS, seconds: round(seconds), eventsPerSecond: Math.round(EVENTS / seconds), handled, notifierSeen: Number(row?.n), alertLines };
  } finally {
    await api.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

type Target = { api: RunningApi; dataDir: string; read: () => Promise<number> };

async function readTarget(withEvents: boolean): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), 'chartproof-bench-latency-'));
  const api = await start(dataDir, withEvents ? undefined : () => ({ publish: async () => ({ published: [], failed: [] }) }));
  if (!withEvents) {
    // The baseline: no outbox rows, and nothing to publish.
    await api.app.database.executor.withSession((session) =>
      session.script('RESET ROLE; ALTER TABLE chartproof.journal_entries DISABLE TRIGGER journal_entries_outbox; SET ROLE chartproof_runtime'),
    );
  }
  const { privateKey } = await openLocalTokenKeys({ dataDir });
  const admin = await mintLocalToken({ privateKey, role: 'admin', sub: 'admin-1' });
  const practitioner = await mintLocalToken({ privateKey, role: 'practitioner', sub: 'dr-a' });
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(new URL(path, api.url), { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, json: (await response.json()) as Record<string, string> };
  };
  const { patientId } = (await call('POST', '/v1/patients', admin, {})).json as { patientId: string };
  const patient = await mintLocalToken({ privateKey, role: 'patient', sub: 'patient-1', patientId });
  const { recordId } = (await call('POST', `/v1/patients/${patientId}/records`, patient, { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' } }, category: 'lab' })).json as { recordId: string };
  await call('POST', `/v1/patients/${patientId}/consents`, patient, { grantee: 'dr-a', scope: { all: true } });
  await call('PUT', `/v1/patients/${patientId}/notification-preferences`, patient, { channels: [{ type: 'email', address: 'p@example.org' }], mode: 'immediate' });
  return {
    api,
    dataDir,
    read: async () => {
      const started = performance.now();
      const response = await fetch(new URL(`/v1/patients/${patientId}/records/${recordId}`, api.url), { headers: { authorization: `Bearer ${practitioner}` } });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`read answered ${response.status}`);
      return performance.now() - started;
    },
  };
}

async function latency(): Promise<{ withEvents: { p50: number; p99: number }; without: { p50: number; p99: number }; addedP99Ms: number; requests: number }> {
  const targets = { withEvents: await readTarget(true), without: await readTarget(false) };
  const samples = { withEvents: [] as number[], without: [] as number[] };
  try {
    for (let warm = 0; warm < 100; warm++) await Promise.all([targets.withEvents.read(), targets.without.read()]);
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of r % 2 === 0 ? (['withEvents', 'without'] as const) : (['without', 'withEvents'] as const)) {
        for (let i = 0; i < REQUESTS_PER_ROUND; i++) samples[name].push(await targets[name].read());
        await targets.withEvents.api.app.events.dispatcher.idle();
      }
    }
  } finally {
    for (const target of Object.values(targets)) {
      await target.api.close();
      await rm(target.dataDir, { recursive: true, force: true });
    }
  }
  const summary = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) };
  };
  const withEvents = summary(samples.withEvents);
  const without = summary(samples.without);
  return { withEvents, without, addedP99Ms: round(withEvents.p99 - without.p99), requests: samples.withEvents.length };
}

async function main(): Promise<number> {
  const loadBefore = loadavg().map(round);
  const flow = await throughput();
  const requestPath = await latency();
  const pass = { throughput: flow.eventsPerSecond >= MIN_EVENTS_PER_SECOND, addedP99: requestPath.addedP99Ms <= MAX_ADDED_P99_MS };
  const result = {
    benchmark: 'events',
    machine: { cpus: availableParallelism(), node: process.version, loadAverageBefore: loadBefore, loadAverageAfter: loadavg().map(round) },
    targets: { minEventsPerSecond: MIN_EVENTS_PER_SECOND, maxAddedP99Ms: MAX_ADDED_P99_MS },
    outboxToNotifier: flow,
    requestPath,
    pass,
  };
  console.error(
    [
      `outbox -> notifier: ${flow.events} events in ${flow.seconds} s = ${flow.eventsPerSecond}/s (target >= ${MIN_EVENTS_PER_SECOND}) ${pass.throughput ? 'PASS' : 'FAIL'}; notifier saw ${flow.notifierSeen}, wrote ${flow.alertLines} alert lines`,
      `practitioner read p50/p99: with events ${requestPath.withEvents.p50}/${requestPath.withEvents.p99} ms, without ${requestPath.without.p50}/${requestPath.without.p99} ms; added p99 ${requestPath.addedP99Ms} ms (target <= ${MAX_ADDED_P99_MS}) ${pass.addedP99 ? 'PASS' : 'FAIL'}`,
      `load average before ${loadBefore.join(' ')}, after ${result.machine.loadAverageAfter.join(' ')}`,
    ].join('\n'),
  );
  const output = JSON.stringify(result, null, 2);
  console.log(output);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/events.json', output);
  return pass.throughput && pass.addedP99 ? 0 : 1;
}

process.exitCode = await main();
