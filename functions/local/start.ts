/**
 * `npm start`: the local API server (ARCHITECTURE.md D7) with the embedded defaults, or the real
 * adapters the environment selects (every adapter variable is described in compose.ts). Read here:
 *   PORT                default 3000
 *   CHARTPROOF_WORKERS  server processes sharing the port (node:cluster); default 1. More than one
 *                       needs DATABASE_URL: PGlite lives inside one process. Each worker has its
 *                       own connection pool; the first also runs the checkpointer.
 * On the first start, when the data directory did not exist yet, it prints a quickstart that
 * works verbatim from the repository root.
 *
 * Stops cleanly on SIGINT and SIGTERM (closing the database lets PGlite flush its files).
 */
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import * as z from 'zod';
import { localConfigFromEnv, type LocalApp, type LocalConfig } from './compose.ts';
import { startLocalApi, type RunningApi } from './local-api.ts';
import { quickstart } from './quickstart.ts';
import { DEFAULT_PORT } from './server.ts';

const StartEnv = z.object({
  PORT: z.string().regex(/^[0-9]{1,5}$/, 'must be a port number').transform(Number).pipe(z.int().min(0).max(65_535)).optional(),
  CHARTPROOF_WORKERS: z.string().regex(/^[1-9][0-9]?$/, 'must be an integer from 1 to 99').transform(Number).optional(),
});

type Settings = { config: LocalConfig; port: number; workers: number };

/** What a worker tells the primary once it listens. */
type Listening = { kind: 'listening'; url: string; adapters: LocalApp['adapters'] };

function settingsFromEnv(): Settings {
  const config = localConfigFromEnv();
  const parsed = StartEnv.safeParse(process.env);
  if (!parsed.success) throw new Error(`invalid environment: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  const workers = parsed.data.CHARTPROOF_WORKERS ?? 1;
  if (workers > 1 && config.databaseUrl === undefined) throw new Error('CHARTPROOF_WORKERS above 1 needs DATABASE_URL: PGlite runs inside one process');
  const port = parsed.data.PORT ?? DEFAULT_PORT;
  // Alerts link to the access log on this server unless the public URL is set.
  return { config: { ...config, publicUrl: config.publicUrl ?? `http://127.0.0.1:${port}` }, port, workers };
}

function banner(options: { url: string; adapters: LocalApp['adapters']; firstStart: boolean; dataDir: string; workers: number }): string {
  const { adapters } = options;
  return [
    `Chartproof API listening on ${options.url}${options.workers > 1 ? ` (${options.workers} workers)` : ''}`,
    `  database:  ${adapters.database}`,
    `  objects:   ${adapters.objects}`,
    `  keys:      ${adapters.keys}`,
    `  signing:   ${adapters.signer}`,
    options.firstStart ? quickstart(options.url, options.dataDir) : `  (quickstart: delete ${options.dataDir} to start afresh and see it again, or read README.md)`,
    '',
  ].join('\n');
}

function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

async function startApi(settings: Settings, options: { checkpointer: boolean }): Promise<RunningApi> {
  try {
    return await startLocalApi({ config: settings.config, port: settings.port, checkpointer: options.checkpointer });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`the local server did not start: ${code === 'EADDRINUSE' ? `port ${settings.port} is in use; set PORT` : (error as Error).message}`, { cause: error });
  }
}

/** One process serving everything. */
async function runSingle(settings: Settings): Promise<number> {
  const api = await startApi(settings, { checkpointer: true });
  process.stdout.write(banner({ url: api.url, adapters: api.app.adapters, firstStart: api.app.firstStart, dataDir: settings.config.dataDir, workers: 1 }));
  await untilStopped();
  process.stdout.write('Chartproof API stopping\n');
  await api.close();
  return 0;
}

/** The primary of a cluster: forks the workers, prints the banner once they all listen, stops them on a signal. */
async function runPrimary(settings: Settings): Promise<number> {
  const firstStart = !existsSync(settings.config.dataDir);
  const listening: Listening[] = [];
  let failed = false;
  const stopped = untilStopped();
  for (let index = 0; index < settings.workers; index++) {
    const worker = cluster.fork({ CHARTPROOF_WORKER_INDEX: String(index) });
    worker.on('message', (message: Listening) => {
      if (message.kind !== 'listening') return;
      listening.push(message);
      if (listening.length === settings.workers) {
        process.stdout.write(banner({ url: message.url, adapters: message.adapters, firstStart, dataDir: settings.config.dataDir, workers: settings.workers }));
      }
    });
    worker.on('exit', (code) => {
      if (code !== 0 && !failed) {
        failed = true;
        process.stderr.write(`chartproof: worker ${index} exited with code ${code}; stopping\n`);
        process.kill(process.pid, 'SIGTERM');
      }
    });
  }
  await stopped;
  process.stdout.write('Chartproof API stopping\n');
  await Promise.all(
    Object.values(cluster.workers ?? {}).map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker === undefined || worker.isDead()) return resolve();
          worker.once('exit', () => resolve());
          worker.process.kill('SIGTERM');
        }),
    ),
  );
  return failed ? 1 : 0;
}

/** A cluster worker: serves until told to stop; the first worker runs the checkpointer. */
async function runWorker(settings: Settings): Promise<number> {
  const api = await startApi(settings, { checkpointer: process.env.CHARTPROOF_WORKER_INDEX === '0' });
  process.send?.({ kind: 'listening', url: api.url, adapters: api.app.adapters } satisfies Listening);
  await untilStopped();
  await api.close();
  process.disconnect?.(); // the IPC channel to the primary would keep this process alive
  return 0;
}

async function main(): Promise<number> {
  let settings: Settings;
  try {
    settings = settingsFromEnv();
  } catch (error) {
    process.stderr.write(`chartproof: ${(error as Error).message}\n`);
    return 2;
  }
  try {
    if (settings.workers === 1) return await runSingle(settings);
    return cluster.isPrimary ? await runPrimary(settings) : await runWorker(settings);
  } catch (error) {
    process.stderr.write(`chartproof: ${(error as Error).message}\n`);
    return 1;
  }
}

// exitCode rather than process.exit(), so buffered output is flushed before exiting.
process.exitCode = await main();
