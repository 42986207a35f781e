/**
 * The journal on PostgreSQL 15, end to end (ARCHITECTURE.md D1): appends, proofs, audit, storage.
 *
 *   npm run bench:journal                              # the default run, about two minutes
 *   CHARTPROOF_BENCH_TREE_SIZE=10000000 npm run bench:journal   # adds a one-off 10^7 figure
 *
 * Connects to CHARTPROOF_BENCH_DATABASE_URL (a superuser URL; default: the local superuser over
 * the Unix socket), creates its own database and drops it at the end. Prints a table to stderr and
 * JSON to stdout, writes the JSON to bench/results/journal.json, and exits 1 if a target is missed.
 * Entries are 300 random bytes. The machine is shared: the load average at the start and end of
 * each phase is recorded with the results, and the proof and audit figures are the best of a few
 * rounds, since other work can only slow a round down. The throughput is one 30-second window.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, userInfo } from 'node:os';
import pg from 'pg';
import { postgresClientExecutor } from '../shared/adapters/postgres/executor.ts';
import { auditJournal } from '../shared/adapters/sql/audit.ts';
import { createSqlJournalStore, type SqlJournalStore } from '../shared/adapters/sql/journal-store.ts';
import { leafHash } from '../shared/ledger/hashing.ts';
import { rootFromInclusionProof, verifyConsistency, verifyInclusion } from '../shared/ledger/verify.ts';
import { connectAsRuntime, createJournalDatabase } from '../test/support/journal-databases.ts';

const ENTRY_BYTES = 300;
const WRITERS = 64;
const THROUGHPUT_SECONDS = 30;
const WARMUP_SECONDS = 3;
const BASELINE_SECONDS = 15;
const LATENCY_APPENDS = 3_000;
const PROOF_SAMPLES = 1_000;
const PROOF_ROUNDS = 3;
const AUDIT_ROUNDS = 2;
const PROOF_TREE_SIZE = 1_000_000;
const LARGE_TREE_SIZE = Number(process.env.CHARTPROOF_BENCH_TREE_SIZE ?? 0);
const BULK_BATCH = 4_096;

type Result = {
  name: string;
  value: number;
  unit: string;
  target: number | null;
  /** Which way is better: the target is a floor (higher) or a ceiling (lower). */
  better: 'higher' | 'lower';
  pass: boolean | null;
};

const results: Result[] = [];
const phases: { phase: string; loadBefore: number; loadAfter: number; seconds: number }[] = [];

function record(name: string, value: number, unit: string, target: number | null, better: Result['better'] = 'higher'): void {
  const rounded = Math.round(value * 100) / 100;
  const pass = target === null ? null : better === 'higher' ? value >= target : value <= target;
  results.push({ name, value: rounded, unit, target, better, pass });
}

async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const loadBefore = loadavg()[0] as number;
  const started = performance.now();
  process.stderr.write(`${name}... `);
  const value = await work();
  const seconds = (performance.now() - started) / 1000;
  phases.push({ phase: name, loadBefore: round2(loadBefore), loadAfter: round2(loadavg()[0] as number), seconds: round2(seconds) });
  process.stderr.write(`${seconds.toFixed(1)} s\n`);
  return value;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function entry(): Buffer {
  return randomBytes(ENTRY_BYTES);
}

async function openStores(url: string, count: number): Promise<SqlJournalStore[]> {
  return Promise.all(
    Array.from({ length: count }, async () => createSqlJournalStore({ executor: postgresClientExecutor(await connectAsRuntime(url, 'chartproof-bench')) })),
  );
}

/** CPU seconds used so far by the database backends serving `pids` (Linux /proc). */
function backendCpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // not on Linux, or the backend is gone
    }
  }
  return ticks / 100;
}

async function singleWriterLatency(url: string): Promise<void> {
  const [store] = await openStores(url, 1);
  const latencies: number[] = [];
  for (let i = 0; i < 300; i++) await store!.append([entry()]);
  for (let i = 0; i < LATENCY_APPENDS; i++) {
    const started = performance.now();
    await store!.append([entry()]);
    latencies.push(performance.now() - started);
  }
  await store!.close();
  latencies.sort((a, b) => a - b);
  record('single-writer append latency p50', percentile(latencies, 0.5), 'ms', 2, 'lower');
  record('single-writer append latency p99', percentile(latencies, 0.99), 'ms', 10, 'lower');
}

/** Appends from WRITERS connections for `seconds` after a warm-up; returns appends per second. */
async function concurrentAppends(
  url: string,
  admin: pg.Client,
  options: { seconds: number; append: (writer: number) => Promise<unknown>; connect: () => Promise<{ pid: number; close(): Promise<void> }[]> },
): Promise<{ rate: number; latencies: number[]; nodeCpu: number; backendCpu: number; count: number }> {
  const connections = await options.connect();
  const pids = connections.map((connection) => connection.pid);
  let counting = false;
  let stop = false;
  let count = 0;
  const latencies: number[] = [];
  const writers = connections.map(async (_, writer) => {
    while (!stop) {
      const started = performance.now();
      await options.append(writer);
      if (counting) {
        count++;
        latencies.push(performance.now() - started);
      }
    }
  });
  await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1000));
  counting = true;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const backend = backendCpuSeconds(pids);
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  counting = false;
  const elapsed = (performance.now() - started) / 1000;
  const nodeCpu = process.cpuUsage(cpu);
  const backendCpu = backendCpuSeconds(pids) - backend;
  stop = true;
  await Promise.all(writers);
  await Promise.all(connections.map((connection) => connection.close()));
  void admin;
  latencies.sort((a, b) => a - b);
  return { rate: count / elapsed, latencies, nodeCpu: (nodeCpu.user + nodeCpu.system) / 1e6, backendCpu, count };
}

async function throughput(url: string, admin: pg.Client): Promise<number> {
  const stores: SqlJournalStore[] = [];
  const roundsBefore = Number((await admin.query('SELECT round FROM chartproof.journal_head')).rows[0].round);
  const sizeBefore = Number((await admin.query('SELECT size FROM chartproof.journal_head')).rows[0].size);
  const run = await concurrentAppends(url, admin, {
    seconds: THROUGHPUT_SECONDS,
    connect: async () => {
      stores.push(...(await openStores(url, WRITERS)));
      const pids = (await admin.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'chartproof-bench' AND datname = current_database()")).rows;
      return stores.map((store, i) => ({ pid: Number(pids[i]?.pid), close: () => store.close() }));
    },
    append: (writer) => (stores[writer] as SqlJournalStore).append([entry()]),
  });
  const { rows } = await admin.query('SELECT round, size FROM chartproof.journal_head');
  const integrations = Number(rows[0].round) - roundsBefore;
  const appended = Number(rows[0].size) - sizeBefore;
  record(`append throughput, ${WRITERS} connections, single-entry appends, ${THROUGHPUT_SECONDS} s`, run.rate, 'entries/s', 10_000);
  record('  latency under that load, p50', percentile(run.latencies, 0.5), 'ms', null, 'lower');
  record('  latency under that load, p99', percentile(run.latencies, 0.99), 'ms', null, 'lower');
  record('  entries per integration (group commit batch)', appended / Math.max(1, integrations), 'entries', null);
  record('  database CPU per append', (run.backendCpu / run.count) * 1e6, 'µs', null, 'lower');
  record('  benchmark client CPU per append', (run.nodeCpu / run.count) * 1e6, 'µs', null, 'lower');
  return run.rate;
}

/** The naive design: a hash chain, one serialized commit per entry (lock, read head, insert, commit). */
async function naiveBaseline(url: string, admin: pg.Client, ours: number): Promise<void> {
  await admin.query(`
    CREATE TABLE bench_naive_head (singleton boolean PRIMARY KEY DEFAULT true, size bigint NOT NULL, chain bytea NOT NULL);
    INSERT INTO bench_naive_head VALUES (true, 0, sha256(''::bytea));
    CREATE TABLE bench_naive_chain (idx bigint PRIMARY KEY, entry bytea NOT NULL, chain bytea NOT NULL);
    GRANT SELECT, UPDATE ON bench_naive_head TO chartproof_runtime;
    GRANT SELECT, INSERT ON bench_naive_chain TO chartproof_runtime;`);
  const clients: pg.Client[] = [];
  const run = await concurrentAppends(url, admin, {
    seconds: BASELINE_SECONDS,
    connect: async () => {
      for (let i = 0; i < WRITERS; i++) clients.push(await connectAsRuntime(url, 'chartproof-bench-naive'));
      return Promise.all(
        clients.map(async (client) => ({ pid: Number((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid), close: () => client.end() })),
      );
    },
    append: async (writer) => {
      const client = clients[writer] as pg.Client;
      await client.query('BEGIN');
      const { rows } = await client.query({ name: 'naive_head', text: 'SELECT size, chain FROM bench_naive_head WHERE singleton FOR UPDATE' });
      const bytes = entry();
      const chain = leafHash(Buffer.concat([rows[0].chain, bytes]));
      await client.query({ name: 'naive_insert', text: 'INSERT INTO bench_naive_chain VALUES ($1, $2, $3)', values: [rows[0].size, bytes, chain] });
      await client.query({ name: 'naive_update', text: 'UPDATE bench_naive_head SET size = size + 1, chain = $1 WHERE singleton', values: [chain] });
      await client.query('COMMIT');
    },
  });
  record(`naive baseline: hash chain, one serialized commit per entry, ${WRITERS} connections, ${BASELINE_SECONDS} s`, run.rate, 'entries/s', null);
  record('  group-commit journal / naive baseline', ours / run.rate, 'x', null);
}

async function storagePerEntry(admin: pg.Client, label: string): Promise<void> {
  await admin.query('VACUUM (ANALYZE) chartproof.journal_entries, chartproof.tree_nodes, chartproof.checkpoints');
  const { rows } = await admin.query(`
    SELECT (SELECT size FROM chartproof.journal_head) AS size,
           (SELECT sum(octet_length(entry)) FROM chartproof.journal_entries) AS entry_bytes,
           pg_total_relation_size('chartproof.journal_entries') + pg_total_relation_size('chartproof.tree_nodes')
             + pg_total_relation_size('chartproof.checkpoints') AS total`);
  const size = Number(rows[0].size);
  const perEntry = (Number(rows[0].total) - Number(rows[0].entry_bytes)) / size;
  record(`storage per entry beyond its bytes (journal tables), ${label}, n = ${size.toLocaleString('en-US')}`, perEntry, 'bytes', 100, 'lower');
}

/** Grows the journal to `size` entries with big appends, generated in the database (bulk load). */
async function bulkLoad(admin: pg.Client, size: number): Promise<void> {
  const { rows } = await admin.query('SELECT size FROM chartproof.journal_head');
  const from = Number(rows[0].size);
  await admin.query(`
    DO $$
    DECLARE
      receipt bigint;
      tree_size bigint;
      batch bytea[];
    BEGIN
      FOR batch_start IN ${from}..${size - 1} BY ${BULK_BATCH} LOOP
        SELECT array_agg(substring(
                 sha256(int8send(g) || '\\x01'::bytea) || sha256(int8send(g) || '\\x02'::bytea) || sha256(int8send(g) || '\\x03'::bytea)
                 || sha256(int8send(g) || '\\x04'::bytea) || sha256(int8send(g) || '\\x05'::bytea) || sha256(int8send(g) || '\\x06'::bytea)
                 || sha256(int8send(g) || '\\x07'::bytea) || sha256(int8send(g) || '\\x08'::bytea) || sha256(int8send(g) || '\\x09'::bytea)
                 || sha256(int8send(g) || '\\x0a'::bytea) FROM 1 FOR ${ENTRY_BYTES}) ORDER BY g)
        INTO batch FROM generate_series(batch_start::bigint, least(batch_start + ${BULK_BATCH}, ${size}) - 1) AS g;
        CALL chartproof.journal_append(batch, NULL, NULL, receipt, tree_size);
        COMMIT;
      END LOOP;
    END $$`);
}

/**
 * Proof latencies from one connection, PROOF_ROUNDS rounds of PROOF_SAMPLES proofs each; the round
 * with the lowest p99 is reported (as the ledger benchmark does with its rounds): on a shared
 * machine other work only ever adds to a round's tail. One proof in ten is also verified.
 */
async function proofLatency(url: string, label: string): Promise<void> {
  const [store] = await openStores(url, 1);
  const journal = store as SqlJournalStore;
  const head = await journal.treeHead();
  const executor = postgresClientExecutor(await connectAsRuntime(url));
  const entryAt = async (index: number) =>
    executor.withSession(async (session) => {
      const [row] = await session.query<{ entry: Uint8Array }>('SELECT entry FROM chartproof.journal_entries WHERE idx = $1', [index]);
      return row?.entry as Uint8Array;
    });
  let best: { inclusion: number[]; consistency: number[] } | undefined;
  for (let round = 0; round < PROOF_ROUNDS; round++) {
    const inclusion: number[] = [];
    const consistency: number[] = [];
    for (let i = 0; i < PROOF_SAMPLES; i++) {
      const index = Math.floor(Math.random() * head.size);
      let started = performance.now();
      const proof = await journal.inclusionProof(index, head.size);
      inclusion.push(performance.now() - started);
      if (i % 10 === 0) verifyInclusion(index, head.size, leafHash(await entryAt(index)), proof, head.root);

      const size1 = 1 + Math.floor(Math.random() * (head.size - 1));
      started = performance.now();
      const consistencyProof = await journal.consistencyProof(size1, head.size);
      consistency.push(performance.now() - started);
      if (i % 10 === 0) {
        // root1 from an inclusion proof of the last leaf of the smaller tree (not timed)
        const last = await journal.inclusionProof(size1 - 1, size1);
        const root1 = rootFromInclusionProof(size1 - 1, size1, leafHash(await entryAt(size1 - 1)), last);
        verifyConsistency(size1, head.size, consistencyProof, root1, head.root);
      }
    }
    inclusion.sort((a, b) => a - b);
    consistency.sort((a, b) => a - b);
    const worst = (latencies: { inclusion: number[]; consistency: number[] }) =>
      Math.max(percentile(latencies.inclusion, 0.99), percentile(latencies.consistency, 0.99));
    if (best === undefined || worst({ inclusion, consistency }) < worst(best)) best = { inclusion, consistency };
  }
  await journal.close();
  await executor.close();
  const { inclusion, consistency } = best as { inclusion: number[]; consistency: number[] };
  record(`inclusion proof at ${label} entries, p50 (best of ${PROOF_ROUNDS} rounds)`, percentile(inclusion, 0.5), 'ms', null, 'lower');
  record(`inclusion proof at ${label} entries, p99 (best of ${PROOF_ROUNDS} rounds)`, percentile(inclusion, 0.99), 'ms', 5, 'lower');
  record(`consistency proof into ${label} entries, p50 (best of ${PROOF_ROUNDS} rounds)`, percentile(consistency, 0.5), 'ms', null, 'lower');
  record(`consistency proof into ${label} entries, p99 (best of ${PROOF_ROUNDS} rounds)`, percentile(consistency, 0.99), 'ms', 5, 'lower');
}

/** Audit speed, the better of AUDIT_ROUNDS runs (the audit reads one snapshot: runs are identical). */
async function auditSpeed(url: string, label: string): Promise<void> {
  let best = 0;
  for (let round = 0; round < AUDIT_ROUNDS; round++) {
    const executor = postgresClientExecutor(await connectAsRuntime(url));
    const started = performance.now();
    const report = await auditJournal(executor);
    const seconds = (performance.now() - started) / 1000;
    await executor.close();
    if (report.problem !== undefined) throw new Error(`the audit failed: ${report.problem.place} ${report.problem.message}`);
    best = Math.max(best, report.entriesChecked / seconds);
  }
  record(`audit (every leaf, node and the head) at ${label} entries, best of ${AUDIT_ROUNDS}`, best, 'entries/s', 200_000);
}

function table(): string {
  const rows = results.map((result) => [
    result.name,
    `${result.value.toLocaleString('en-US')} ${result.unit}`,
    result.target === null ? '' : `${result.better === 'higher' ? '>=' : '<='} ${result.target.toLocaleString('en-US')}`,
    result.pass === null ? '' : result.pass ? 'pass' : 'FAIL',
  ]);
  const header = ['benchmark', 'value', 'target', ''];
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

const user = userInfo().username;
const superuserUrl = process.env.CHARTPROOF_BENCH_DATABASE_URL ?? `postgresql://${user}@/${user}?host=/var/run/postgresql`;
const database = await createJournalDatabase(superuserUrl, 'chartproof_bench');
const admin = new pg.Client({ connectionString: database.url });
await admin.connect();
const serverVersion = String((await admin.query('SHOW server_version')).rows[0].server_version);
try {
  await phase('single-writer latency', () => singleWriterLatency(database.url));
  const ours = await phase('throughput', () => throughput(database.url, admin));
  await phase('naive baseline', () => naiveBaseline(database.url, admin, ours));
  await phase('storage', () => storagePerEntry(admin, 'after the throughput run'));
  await phase('bulk load to 10^6', () => bulkLoad(admin, PROOF_TREE_SIZE));
  await phase('storage at 10^6', () => storagePerEntry(admin, 'bulk-loaded'));
  await phase('proofs at 10^6', () => proofLatency(database.url, '10^6'));
  await phase('audit at 10^6', () => auditSpeed(database.url, '10^6'));
  if (LARGE_TREE_SIZE > PROOF_TREE_SIZE) {
    const label = LARGE_TREE_SIZE.toExponential().replace('e+', '×10^');
    await phase(`bulk load to ${label}`, () => bulkLoad(admin, LARGE_TREE_SIZE));
    await phase(`storage at ${label}`, () => storagePerEntry(admin, 'bulk-loaded'));
    await phase(`proofs at ${label}`, () => proofLatency(database.url, label));
    await phase(`audit at ${label}`, () => auditSpeed(database.url, label));
  }
} finally {
  await admin.end();
  await database.drop();
}

const report = {
  benchmark: 'journal',
  machine: { cpus: availableParallelism(), node: process.version, postgres: serverVersion },
  phases,
  results,
};
const json = JSON.stringify(report, null, 2);
const resultsFile = new URL('./results/journal.json', import.meta.url);
mkdirSync(new URL('./', resultsFile), { recursive: true });
writeFileSync(resultsFile, `${json}\n`);
process.stderr.write(`\n${table()}\n\n`);
process.stdout.write(`${json}\n`);
if (results.some((result) => result.pass === false)) process.exitCode = 1;
