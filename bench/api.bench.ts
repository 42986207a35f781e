/**
 * The records API over HTTP: `npm start` with PostgreSQL (its own fresh database) and the
 * filesystem object store, driven by 32 concurrent clients over keep-alive connections.
 *
 *   npm run bench:api
 *
 * Measures record creation (POST, 1 KB Observations, by practitioners) and record reads (GET, by
 * the patients), each in two phases after a warm-up:
 * - throughput: 32 closed-loop clients, each sending its next request as soon as the previous one
 *   is answered, for BENCH_SECONDS: the most the server sustains;
 * - latency at the target rate: the same 32 clients, paced to send the target rate in total (500
 *   creates/s, 1,000 reads/s) on a fixed schedule, for BENCH_SECONDS. Latency runs from each
 *   request's scheduled time, so a server that falls behind is charged for the queueing it causes
 *   (no coordinated omission). p99 targets apply here: with 32 closed-loop clients the mean latency
 *   is always 32 / throughput, so a closed loop measures concurrency, not responsiveness.
 * Then the price of the consent policy: a practitioner's reads of CONSENT_PATIENTS patients, each
 * with CONSENTS active consents (one of them the practitioner's), against those patients' own
 * reads, each paced at POLICY_READS_PER_SECOND, a rate well within what the server sustains, so
 * that the p99s are service times rather than queueing; their difference must stay within 2 ms.
 * The two kinds of read alternate within one phase (each client sends own and practitioner reads
 * in turn), so both meet the same background load: on a shared machine, two phases one after the
 * other would compare two different machines.
 *
 * BENCH_CASES=policy runs the consent policy's case alone (after creating the records it reads);
 * the default, records,policy, runs everything.
 * Prints a table to stderr and JSON to stdout, writes the JSON to bench/results/api.json, and exits
 * 1 if a target is missed.
 *
 * The server is a child process (`node functions/local/start.ts`), as a user would run it, so the
 * load generator does not share its event loop. CHARTPROOF_BENCH_DATABASE_URL names a PostgreSQL
 * superuser URL (default: the local superuser over the Unix socket); the benchmark creates and
 * drops a database of its own there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { mintLocalToken, openLocalTokenKeys } from '../functions/local/tokens.ts';

const CLIENTS = 32;
const PATIENTS = 32;
const WARMUP_SECONDS = 3;
const BENCH_SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const RESOURCE_BYTES = 1024;
const TARGETS = { createPerSecond: 500, readPerSecond: 1000, p99Ms: 50, policyExtraP99Ms: 2 };
const CONSENT_PATIENTS = 4;
const CONSENTS = 1000;
const POLICY_READS_PER_SECOND = Number(process.env.BENCH_POLICY_READS_PER_SECOND ?? 100);
const CASES = new Set((process.env.BENCH_CASES ?? 'records,policy').split(','));
const SUPERUSER_URL = process.env.CHARTPROOF_BENCH_DATABASE_URL ?? 'postgresql://root@/root?host=/var/run/postgresql';

type Phase = { operations: number; seconds: number; perSecond: number; p50Ms: number; p99Ms: number; errors: number };

/** A 1 KB Observation (canonical JSON, before the server stamps id and meta). */
function observation(value: number): Record<string, unknown> {
  const base = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    valueQuantity: { value, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
    note: [{ text: '' }],
  };
  const padding = RESOURCE_BYTES - JSON.stringify(base).length;
  return { ...base, note: [{ text: 'n'.repeat(Math.max(0, padding)) }] };
}

function withDatabase(url: string, database: string): string {
  const match = /^(postgres(?:ql)?:\/\/[^/]*\/)([^?]*)(.*)$/.exec(url);
  if (match === null) throw new Error(`cannot find the database name in ${url}`);
  return `${match[1]}${database}${match[3]}`;
}

async function superuser(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SUPERUSER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Waits until the server has caught up with what the setup wrote (every outbox event published and
 * handled), then vacuums and analyzes its database and flushes a checkpoint, as autovacuum and the
 * checkpointer would do by themselves a little later: the phase that follows then measures the
 * steady state rather than the aftermath of thousands of setup writes.
 */
async function settle(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      const { rows } = await client.query('SELECT count(*)::int AS pending FROM chartproof.event_outbox WHERE published_at IS NULL');
      if (rows[0].pending === 0) break;
      if (attempt === 600) throw new Error(`the server left ${rows[0].pending} outbox events unpublished for 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await client.query('VACUUM (ANALYZE)');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function waitForServer(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/v1/ledger/key`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server did not start within 60 s');
}

type Operation = (client: number, i: number) => Promise<boolean>;

function summarize(latencies: number[], errors: number, seconds: number): Phase {
  latencies.sort((a, b) => a - b);
  return {
    operations: latencies.length,
    seconds: round(seconds),
    perSecond: round((latencies.length - errors) / seconds),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    errors,
  };
}

/**
 * Closed loop: CLIENTS loops, each sending its next request when the previous one is answered;
 * WARMUP_SECONDS unmeasured, then BENCH_SECONDS measured.
 */
async function saturate(operate: Operation): Promise<Phase> {
  const latencies: number[] = [];
  let errors = 0;
  const warmupEnd = performance.now() + WARMUP_SECONDS * 1000;
  const end = warmupEnd + BENCH_SECONDS * 1000;
  let measuredEnd = warmupEnd;
  const loop = async (client: number) => {
    for (let i = 0; ; i++) {
      const started = performance.now();
      if (started >= end) return;
      const ok = await operate(client, i);
      const finished = performance.now();
      if (started >= warmupEnd) {
        measuredEnd = Math.max(measuredEnd, finished);
        latencies.push(finished - started);
        if (!ok) errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, client) => loop(client)));
  return summarize(latencies, errors, (measuredEnd - warmupEnd) / 1000);
}

/**
 * Open loop at `rate` requests/s in total, spread over CLIENTS clients on a fixed schedule, for
 * BENCH_SECONDS after WARMUP_SECONDS. A client whose previous request is still open sends the next
 * one as soon as it can; its latency still counts from the scheduled time.
 */
async function paced(operate: Operation, rate: number): Promise<Phase> {
  const [phase] = await pacedSeries([operate], rate);
  return phase as Phase;
}

/**
 * As `paced`, over several operations in turn (each client's i-th request is operation
 * (client + i) mod n), `rate` being the total; one phase per operation.
 */
async function pacedSeries(operations: readonly Operation[], rate: number): Promise<Phase[]> {
  const series = operations.map(() => ({ latencies: [] as number[], errors: 0 }));
  const interval = (CLIENTS * 1000) / rate;
  const begin = performance.now();
  const warmupEnd = begin + WARMUP_SECONDS * 1000;
  const end = warmupEnd + BENCH_SECONDS * 1000;
  let lastAnswer = end;
  const loop = async (client: number) => {
    for (let i = 0; ; i++) {
      const scheduled = begin + (client * interval) / CLIENTS + i * interval;
      if (scheduled >= end) return;
      const wait = scheduled - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const n = (client + i) % operations.length;
      const ok = await (operations[n] as Operation)(client, i);
      const answered = performance.now();
      if (scheduled >= warmupEnd) {
        const measured = series[n] as (typeof series)[number];
        measured.latencies.push(answered - scheduled);
        lastAnswer = Math.max(lastAnswer, answered);
        if (!ok) measured.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, client) => loop(client)));
  // A server that falls behind answers the scheduled requests late: its rate is what it achieved.
  return series.map(({ latencies, errors }) => summarize(latencies, errors, (lastAnswer - warmupEnd) / 1000));
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

async function main(): Promise<number> {
  // Other work on a shared machine slows every figure down; the load averages say how much there was.
  const loadBefore = loadavg().map(round);
  const database = `chartproof_bench_api_${randomBytes(6).toString('hex')}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'chartproof-bench-api-'));
  await superuser(`CREATE DATABASE ${database}`);
  let server: ChildProcess | undefined;
  try {
    const { privateKey } = await openLocalTokenKeys({ dataDir });
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const url = `http://127.0.0.1:${port}`;
    const serverEnv = {
      ...process.env,
      PORT: String(port),
      CHARTPROOF_DATA_DIR: dataDir,
      DATABASE_URL: withDatabase(SUPERUSER_URL, database),
      CHARTPROOF_DATABASE_POOL_SIZE: String(CLIENTS / 2),
      CHARTPROOF_LOG_LEVEL: 'INFO',
      UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16',
      CHARTPROOF_WORKERS: process.env.CHARTPROOF_WORKERS ?? '2',
      ...(process.env.BENCH_SERVER_NODE_OPTIONS === undefined ? {} : { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS }),
    };
    server = spawn('./node_modules/.bin/node', ['functions/local/start.ts'], { env: serverEnv, stdio: ['ignore', 'ignore', 'inherit'] });
    await waitForServer(url, server);

    const json = (token: string, body?: unknown, method = 'GET') =>
      ({ method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) }) as RequestInit;
    const admin = await mintLocalToken({ privateKey, role: 'admin', sub: 'bench-admin' });
    const practitioner = await mintLocalToken({ privateKey, role: 'practitioner', sub: 'bench-practitioner' });
    const patients: { patientId: string; token: string; recordIds: string[] }[] = [];
    for (let n = 0; n < PATIENTS; n++) {
      const response = await fetch(`${url}/v1/patients`, json(admin, {}, 'POST'));
      const { patientId } = (await response.json()) as { patientId: string };
      patients.push({ patientId, token: await mintLocalToken({ privateKey, role: 'patient', sub: `bench-patient-${n}`, patientId }), recordIds: [] });
    }
    const bodies = Array.from({ length: 64 }, (_, i) => JSON.stringify({ resource: observation(60 + i), category: 'vital-signs' }));
    const patientOf = (client: number) => patients[client % PATIENTS] as (typeof patients)[number];

    const createRecord: Operation = async (client, i) => {
      const patient = patientOf(client);
      const response = await fetch(`${url}/v1/patients/${patient.patientId}/records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${practitioner}`, 'content-type': 'application/json' },
        body: bodies[i % bodies.length],
      });
      const body = (await response.json()) as { recordId?: string };
      if (response.status !== 201 || body.recordId === undefined) return false;
      patient.recordIds.push(body.recordId);
      return true;
    };
    const readRecord: Operation = async (client, i) => {
      const patient = patientOf(client);
      const recordId = patient.recordIds[(i * 7919 + client) % patient.recordIds.length];
      const response = await fetch(`${url}/v1/patients/${patient.patientId}/records/${recordId}`, json(patient.token));
      await response.arrayBuffer();
      return response.status === 200;
    };

    const records = CASES.has('records')
      ? {
          create: await saturate(createRecord),
          createPaced: await paced(createRecord, TARGETS.createPerSecond),
          read: await saturate(readRecord),
          readPaced: await paced(readRecord, TARGETS.readPerSecond),
        }
      : undefined;
    if (records === undefined) {
      // The policy's case alone: only the records it reads.
      await Promise.all(Array.from({ length: CLIENTS }, async (_, client) => {
        for (let i = 0; i < 8; i++) if (!(await createRecord(client, i))) throw new Error('creating a record failed');
      }));
    }

    // The consent policy: CONSENTS active consents on each of CONSENT_PATIENTS patients.
    const consentPatients = patients.slice(0, CONSENT_PATIENTS);
    for (const patient of consentPatients) {
      for (let start = 0; start < CONSENTS; start += CLIENTS) {
        await Promise.all(
          Array.from({ length: Math.min(CLIENTS, CONSENTS - start) }, async (_, k) => {
            const n = start + k;
            const grant = n === 0 ? { grantee: 'bench-practitioner', scope: { categories: ['vital-signs'] } } : { grantee: `bench-grantee-${n}`, scope: { all: true } };
            const response = await fetch(`${url}/v1/patients/${patient.patientId}/consents`, json(patient.token, grant, 'POST'));
            if (response.status !== 201) throw new Error(`granting a consent answered ${response.status}`);
          }),
        );
      }
    }
    const consentPatientOf = (client: number) => consentPatients[client % CONSENT_PATIENTS] as (typeof patients)[number];
    const readAs = (reader: (patient: (typeof patients)[number]) => string): Operation => async (client, i) => {
      const patient = consentPatientOf(client);
      const recordId = patient.recordIds[(i * 7919 + client) % patient.recordIds.length];
      const response = await fetch(`${url}/v1/patients/${patient.patientId}/records/${recordId}`, json(reader(patient)));
      await response.arrayBuffer();
      return response.status === 200;
    };
    await settle(withDatabase(SUPERUSER_URL, database));
    const [ownRead, consentRead] = (await pacedSeries([readAs((patient) => patient.token), readAs(() => practitioner)], 2 * POLICY_READS_PER_SECOND)) as [Phase, Phase];
    const policyExtraP99Ms = round(consentRead.p99Ms - ownRead.p99Ms);

    const results = [
      ...(records === undefined
        ? []
        : [
            { name: 'record create', unit: 'requests/s', value: records.create.perSecond, target: TARGETS.createPerSecond, pass: records.create.perSecond >= TARGETS.createPerSecond },
            { name: `record create p99 at ${TARGETS.createPerSecond}/s`, unit: 'ms', value: records.createPaced.p99Ms, target: TARGETS.p99Ms, pass: records.createPaced.p99Ms <= TARGETS.p99Ms },
            { name: 'record read', unit: 'requests/s', value: records.read.perSecond, target: TARGETS.readPerSecond, pass: records.read.perSecond >= TARGETS.readPerSecond },
            { name: `record read p99 at ${TARGETS.readPerSecond}/s`, unit: 'ms', value: records.readPaced.p99Ms, target: TARGETS.p99Ms, pass: records.readPaced.p99Ms <= TARGETS.p99Ms },
          ]),
      {
        name: `consent policy over ${CONSENTS} active consents: extra read p99 at ${POLICY_READS_PER_SECOND}/s each`,
        unit: 'ms',
        value: policyExtraP99Ms,
        target: TARGETS.policyExtraP99Ms,
        pass: policyExtraP99Ms <= TARGETS.policyExtraP99Ms,
      },
    ];
    const report = {
      benchmark: 'api',
      date: new Date().toISOString(),
      machine: { cpus: availableParallelism(), node: process.version, loadAverageBefore: loadBefore, loadAverageAfter: loadavg().map(round) },
      setup: {
        clients: CLIENTS,
        patients: PATIENTS,
        resourceBytes: RESOURCE_BYTES,
        warmupSeconds: WARMUP_SECONDS,
        benchSeconds: BENCH_SECONDS,
        serverWorkers: Number(serverEnv.CHARTPROOF_WORKERS),
        database: 'PostgreSQL',
        objects: 'filesystem',
        logLevel: 'INFO',
        cases: [...CASES],
      },
      phases: { ...records, ownRead, consentRead },
      results,
    };
    const table = [
      `Chartproof API benchmark (HTTP, PostgreSQL, filesystem objects, ${CLIENTS} clients, 1 KB Observations, ${serverEnv.CHARTPROOF_WORKERS} server workers; load average ${loadBefore.join(' ')} before)`,
      ...(
        [
          ...(records === undefined
            ? []
            : ([
                ['create, closed loop', records.create],
                [`create, ${TARGETS.createPerSecond}/s`, records.createPaced],
                ['read, closed loop', records.read],
                [`read, ${TARGETS.readPerSecond}/s`, records.readPaced],
              ] as const)),
          [`own read, ${POLICY_READS_PER_SECOND}/s`, ownRead],
          [`consent read, ${POLICY_READS_PER_SECOND}/s`, consentRead],
        ] as const
      ).map(
        ([name, p]) =>
          `  ${name.padEnd(20)} ${String(p.perSecond).padStart(9)} req/s   p50 ${String(p.p50Ms).padStart(7)} ms   p99 ${String(p.p99Ms).padStart(7)} ms   ${p.operations} requests, ${p.errors} errors`,
      ),
      ...results.map((result) => `  ${result.pass ? 'PASS' : 'FAIL'}  ${result.name}: ${result.value} ${result.unit} (target ${result.unit === 'ms' ? '<=' : '>='} ${result.target})`),
    ].join('\n');
    process.stderr.write(`${table}\n`);
    const output = `${JSON.stringify(report, null, 2)}\n`;
    process.stdout.write(output);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/api.json', output);
    const errors = [...Object.values(records ?? {}), ownRead, consentRead].reduce((sum, phase) => sum + phase.errors, 0);
    return results.every((result) => result.pass) && errors === 0 ? 0 : 1;
  } finally {
    if (server !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    await superuser(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await rm(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
