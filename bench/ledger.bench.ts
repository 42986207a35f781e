/**
 * Throughput of the ledger core on one core (everything here is synchronous on the main thread).
 *
 *   npm run bench
 *
 * Prints a table to stderr and JSON to stdout, writes the JSON to bench/results/ledger.json, and
 * exits 1 if a target is missed. Each figure is the best of several rounds of at least ROUND_SECONDS,
 * since other work on a shared machine only ever slows a round down.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { CompactRange } from '../shared/ledger/compact-range.ts';
import { RootMismatchError } from '../shared/ledger/errors.ts';
import { HASH_SIZE, leafHash, type Hash } from '../shared/ledger/hashing.ts';
import { consistencyProofPlan, inclusionProofPlan } from '../shared/ledger/proof.ts';
import { rootFromConsistencyProof, rootFromInclusionProof, verifyConsistency, verifyInclusion } from '../shared/ledger/verify.ts';

const ENTRY_BYTES = 300;
const TREE_SIZE = 10_000_000;
const ROUNDS = 5;
const ROUND_SECONDS = 0.3;
const POOL = 4096;

type Result = { name: string; value: number; unit: string; target: number | null; pass: boolean | null };

/** Operations per second: the best of ROUNDS rounds, each running `operate(i)` for at least ROUND_SECONDS. */
function opsPerSecond(operate: (i: number) => void, startRound: () => void = () => {}): number {
  let iterations = 1000;
  // Calibrate (and warm up the JIT) until a round lasts long enough.
  for (;;) {
    startRound();
    const seconds = timeRound(operate, iterations);
    if (seconds >= ROUND_SECONDS) break;
    iterations = Math.ceil(iterations * Math.min(10, (ROUND_SECONDS * 1.2) / Math.max(seconds, 1e-6)));
  }
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    startRound();
    best = Math.max(best, iterations / timeRound(operate, iterations));
  }
  return best;
}

function timeRound(operate: (i: number) => void, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) operate(i);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function randomHashes(count: number): Hash[] {
  return Array.from({ length: count }, () => new Uint8Array(randomBytes(HASH_SIZE)));
}

function pick<T>(pool: readonly T[], i: number): T {
  return pool[i % pool.length] as T;
}

function randomSize(max: number): number {
  return 1 + Math.floor(Math.random() * max);
}

/** Inclusion proofs at TREE_SIZE without building the tree: random proof hashes, and the root they imply. */
function inclusionCases(): { index: number; leaf: Hash; proof: Hash[]; root: Hash }[] {
  return Array.from({ length: POOL }, () => {
    const index = randomSize(TREE_SIZE) - 1;
    const plan = inclusionProofPlan(index, TREE_SIZE);
    const proof = plan.rehash(randomHashes(plan.ids.length));
    const [leaf] = randomHashes(1) as [Hash];
    return { index, leaf, proof, root: rootFromInclusionProof(index, TREE_SIZE, leaf, proof) };
  });
}

/** Consistency proofs into TREE_SIZE from random sizes, with the two roots the random proof hashes imply. */
function consistencyCases(): { size1: number; proof: Hash[]; root1: Hash; root2: Hash }[] {
  return Array.from({ length: POOL }, () => {
    const size1 = randomSize(TREE_SIZE - 1);
    const plan = consistencyProofPlan(size1, TREE_SIZE);
    const proof = plan.rehash(randomHashes(plan.ids.length));
    const root1 = impliedRoot1(size1, proof);
    return { size1, proof, root1, root2: rootFromConsistencyProof(size1, TREE_SIZE, proof, root1) };
  });
}

/** The root1 a consistency proof implies: the verifier reports it when handed any other. */
function impliedRoot1(size1: number, proof: Hash[]): Hash {
  const [guess] = randomHashes(1) as [Hash];
  try {
    rootFromConsistencyProof(size1, TREE_SIZE, proof, guess);
    return guess; // size1 is a power of two: root1 heads the proof's path, so any root1 is consistent.
  } catch (error) {
    if (error instanceof RootMismatchError) return error.computed;
    throw error;
  }
}

function measureAll(): Result[] {
  const entries = Array.from({ length: POOL }, () => new Uint8Array(randomBytes(ENTRY_BYTES)));
  const leaves = entries.map((entry) => leafHash(entry));
  const nodeInput = new Uint8Array(randomBytes(1 + 2 * HASH_SIZE));
  const inclusions = inclusionCases();
  const consistencies = consistencyCases();
  let range = CompactRange.empty();
  let visited = 0;

  const results: Result[] = [];
  const record = (name: string, value: number, unit: string, target: number | null): void => {
    results.push({ name, value: Math.round(value), unit, target, pass: target === null ? null : value >= target });
  };

  record('baseline: node:crypto SHA-256 of 65 bytes (createHash per hash)', opsPerSecond(() => {
    createHash('sha256').update(nodeInput).digest();
  }), 'hashes/s', null);
  record(`leaf hashes of ${ENTRY_BYTES}-byte entries`, opsPerSecond((i) => {
    leafHash(pick(entries, i));
  }), 'hashes/s', 300_000);
  record('CompactRange appends (visit callback included)', opsPerSecond(
    (i) => range.append(pick(leaves, i), () => visited++),
    () => (range = CompactRange.empty()),
  ), 'appends/s', 150_000);
  record(`inclusion verifications at tree size ${TREE_SIZE.toExponential()}`, opsPerSecond((i) => {
    const { index, leaf, proof, root } = pick(inclusions, i);
    verifyInclusion(index, TREE_SIZE, leaf, proof, root);
  }), 'verifications/s', 15_000);
  record(`consistency verifications at tree size ${TREE_SIZE.toExponential()}`, opsPerSecond((i) => {
    const { size1, proof, root1, root2 } = pick(consistencies, i);
    verifyConsistency(size1, TREE_SIZE, proof, root1, root2);
  }), 'verifications/s', null);
  if (visited === 0) throw new Error('the append benchmark never visited a node');
  return results;
}

function table(results: readonly Result[]): string {
  const rows = results.map((result) => [
    result.name,
    `${result.value.toLocaleString('en-US')} ${result.unit}`,
    result.target === null ? '' : `>= ${result.target.toLocaleString('en-US')}`,
    result.pass === null ? '' : result.pass ? 'pass' : 'FAIL',
  ]);
  const header = ['benchmark', 'best of 5 rounds', 'target', ''];
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

const results = measureAll();
const report = { benchmark: 'ledger', machine: { cpus: availableParallelism(), node: process.version }, results };
const json = JSON.stringify(report, null, 2);
const resultsFile = new URL('./results/ledger.json', import.meta.url);
mkdirSync(new URL('./', resultsFile), { recursive: true });
writeFileSync(resultsFile, `${json}\n`);

process.stderr.write(`\n${table(results)}\n\n`);
process.stdout.write(`${json}\n`);
if (results.some((result) => result.pass === false)) process.exitCode = 1;
