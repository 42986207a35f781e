/**
 * The Lambda bundles as CDK builds them (the local esbuild, the options of
 * infra/constructs/chartproof-function.ts): each bundle's size, and how long importing it takes in
 * a fresh Node 24 process, the cold-start part that is ours.
 *
 *   npm run bench:bundles
 *
 * Synthesizes the dev stage in-process into cdk.out/bench-bundles (inside the repository, so that
 * the `@aws-sdk/*` modules the bundles leave to the Lambda runtime resolve from node_modules), then
 * imports every function's index.mjs in SAMPLES fresh processes with the environment Lambda gives it
 * (NODE_OPTIONS=--enable-source-maps) and takes the median. Prints a table to stderr and JSON to
 * stdout, writes the JSON to bench/results/bundles.json, and exits 1 if a limit is exceeded.
 *
 * The limit applies to wall time, as a cold start is felt. On this shared machine wall time also
 * counts the waits for a core, so each function's row also records the CPU time its import used
 * (user + system, all of the process's threads), the 1-minute load average when it was measured,
 * and the import time of the `@aws-sdk/*` modules it imports alone, in turns with the bundle's
 * samples: the part of the cold start that is the runtime's SDK rather than our code.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { routes } from '../functions/routes.ts';
import { cdkJsonContext, createChartproofApp, REPOSITORY_ROOT } from '../infra/chartproof-app.ts';
import { loadStageConfig } from '../infra/config/stage-config.ts';

/** 1 MiB, minified. */
const MAX_BUNDLE_BYTES = 1024 * 1024;
const MAX_IMPORT_MS = 200;
const SAMPLES = 5;

type Result = {
  function: string;
  bundleBytes: number;
  importMs: { median: number; samples: number[] };
  /** CPU time of the same imports (not a limit: it shows how much of the wall time was waiting). */
  importCpuMs: { median: number; samples: number[] };
  loadAverage1m: number;
  /** The `@aws-sdk/*` modules the bundle imports (the runtime provides them), and their median import time alone. */
  awsSdk: { modules: string[]; importMs: number };
  pass: boolean;
};

type Sample = { wallMs: number; cpuMs: number };

function synthesize(outdir: string): { function: string; bundle: string }[] {
  rmSync(outdir, { recursive: true, force: true });
  const config = loadStageConfig({ stage: 'dev', configDir: join(REPOSITORY_ROOT, 'infra/config') });
  const { app, stack } = createChartproofApp({ config, routes, nag: false, appProps: { outdir, context: { ...cdkJsonContext(), 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true } },
  });
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties: { Handler?: string }; Metadata?: Record<string, string> }>;
  };
  return Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Handler === 'index.handler')
    .map((resource) => ({
      function: (resource.Metadata?.['aws:cdk:path'] ?? '?').replace(/^[^/]+\//, '').replace(/\/Function\/Resource$|\/Resource$/, ''),
      bundle: join(outdir, resource.Metadata?.['aws:asset:path'] ?? '', 'index.mjs'),
    }));
}

/** Wall and CPU milliseconds to import `url` in a fresh process, measured inside it. */
function importMs(url: string): Sample {
  const probe = [
    'const c = process.cpuUsage(); const t = performance.now();',
    `await import(${JSON.stringify(url)});`,
    'const wallMs = performance.now() - t; const u = process.cpuUsage(c);',
    'process.stdout.write(JSON.stringify({ wallMs, cpuMs: (u.user + u.system) / 1000 }));',
  ].join(' ');
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
    env: { PATH: process.env.PATH, NODE_OPTIONS: '--enable-source-maps', AWS_REGION: 'eu-west-1', TZ: 'UTC' },
    encoding: 'utf8',
  });
  return JSON.parse(output) as Sample;
}

function tenths(value: number): number {
  return Math.round(value * 10) / 10;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The AWS SDK modules `bundle` leaves to the runtime: its imports of `@aws-sdk/*`. */
function awsSdkModules(bundle: string): string[] {
  const specifiers = readFileSync(bundle, 'utf8').matchAll(/(?:\bfrom|\bimport\(?)\s*["'](@aws-sdk\/[^"']+)["']/g);
  return [...new Set(Array.from(specifiers, (match) => match[1] ?? ''))].sort();
}

/** The URL of a module that imports exactly `modules`, one file per set. */
const sdkProbes = new Map<string, string>();
function awsSdkProbe(outdir: string, modules: readonly string[]): string {
  const key = modules.join(' ');
  const known = sdkProbes.get(key);
  if (known !== undefined) return known;
  const probe = join(outdir, `sdk-probe-${sdkProbes.size}.mjs`);
  writeFileSync(probe, modules.map((name) => `import '${name}';\n`).join(''));
  const url = pathToFileURL(probe).href;
  sdkProbes.set(key, url);
  return url;
}

function measure(outdir: string, bundles: readonly { function: string; bundle: string }[]): Result[] {
  return bundles.map(({ function: name, bundle }) => {
    const bundleBytes = statSync(bundle).size;
    const url = pathToFileURL(bundle).href;
    const sdkModules = awsSdkModules(bundle);
    const sdkUrl = awsSdkProbe(outdir, sdkModules);
    // The first import of a bundle also warms the OS file cache, as a Lambda image is warm on disk.
    importMs(url);
    importMs(sdkUrl);
    // The bundle and its AWS SDK alone take turns, so that both see the same load.
    const runs: Sample[] = [];
    const sdkRuns: Sample[] = [];
    for (let sample = 0; sample < SAMPLES; sample++) {
      runs.push(importMs(url));
      sdkRuns.push(importMs(sdkUrl));
    }
    const samples = runs.map((run) => tenths(run.wallMs));
    const cpuSamples = runs.map((run) => tenths(run.cpuMs));
    const importMedian = median(samples);
    return {
      function: name,
      bundleBytes,
      importMs: { median: importMedian, samples },
      importCpuMs: { median: median(cpuSamples), samples: cpuSamples },
      loadAverage1m: tenths(loadavg()[0] ?? Number.NaN),
      awsSdk: { modules: sdkModules, importMs: median(sdkRuns.map((run) => tenths(run.wallMs))) },
      pass: bundleBytes <= MAX_BUNDLE_BYTES && importMedian <= MAX_IMPORT_MS,
    };
  });
}

function table(results: readonly Result[]): string {
  const rows = results.map((result) => [
    result.function,
    `${(result.bundleBytes / 1024).toFixed(0)} KiB`,
    `${result.importMs.median.toFixed(1)} ms`,
    `${result.importCpuMs.median.toFixed(1)} ms`,
    `${result.awsSdk.importMs.toFixed(1)} ms`,
    result.loadAverage1m.toFixed(1),
    result.pass ? 'ok' : 'OVER',
  ]);
  const header = ['function', 'bundle', 'import (median)', 'its CPU time', 'its AWS SDK alone', 'load', ''];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

const outdir = join(REPOSITORY_ROOT, 'cdk.out', 'bench-bundles');
const results = measure(outdir, synthesize(outdir));
const report = {
  benchmark: 'bundles',
  machine: { cpus: availableParallelism(), node: process.version, loadAverage1m: Math.round(loadavg()[0]! * 100) / 100 },
  limits: { bundleBytes: MAX_BUNDLE_BYTES, importMs: MAX_IMPORT_MS, samples: SAMPLES },
  results,
};
const json = JSON.stringify(report, null, 2);
const resultsFile = new URL('./results/bundles.json', import.meta.url);
mkdirSync(new URL('./', resultsFile), { recursive: true });
writeFileSync(resultsFile, `${json}\n`);
process.stderr.write(
  `\n${table(results)}\n\nlimits: ${MAX_BUNDLE_BYTES} bytes, ${MAX_IMPORT_MS} ms (median of ${SAMPLES}); "its AWS SDK alone" is the import of the @aws-sdk/* modules the bundle leaves to the Lambda runtime, part of its import time; load average ${loadavg()[0]?.toFixed(2)}\n\n`,
);
process.stdout.write(`${json}\n`);
if (results.length === 0 || results.some((result) => !result.pass)) process.exitCode = 1;
