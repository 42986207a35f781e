/**
 * The whole local API in one call: the composition (compose.ts), the route handlers resolved from
 * their modules with its dependencies, local token verification, the HTTP server (server.ts) and
 * the background tasks (checkpointer, outbox relay). `npm start`, the end-to-end tests and the API benchmark all run through here.
 */
import { resolve } from 'node:path';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@aws-lambda-powertools/logger';
import { startCheckpointer } from './checkpointer.ts';
import { composeLocal, type ComposeLocalOptions, type LocalApp, type LocalConfig } from './compose.ts';
import { moduleHandlerResolver } from './handler-modules.ts';
import { startPeriodic, type PeriodicTask } from './periodic.ts';
import { startLocalServer } from './server.ts';
import { localTokenVerifier } from './tokens.ts';

export type RunningApi = {
  /** The base URL, e.g. http://127.0.0.1:3000 */
  readonly url: string;
  readonly port: number;
  readonly app: LocalApp;
  readonly server: Server;
  /** Stops accepting requests, stops the background tasks and closes the stores. */
  close(): Promise<void>;
};

export type StartLocalApiOptions = {
  readonly config: LocalConfig;
  /** 0 picks a free port. */
  readonly port: number;
  /** Default 127.0.0.1: the local API is for this machine. */
  readonly host?: string;
  /** Replaces the logger the composition would build (tests capture logs with it). */
  readonly logger?: Logger;
  /** How often the checkpointer looks for growth; default 500 ms. */
  readonly checkpointIntervalMs?: number;
  /** Run the checkpointer and the outbox relay in this process; default true (one per journal is enough). */
  readonly checkpointer?: boolean;
  /** How often the outbox relay runs; default 2 s. */
  readonly relayIntervalMs?: number;
  /** Wraps the outbox's publisher (tests inject faults); see ComposeLocalOptions. */
  readonly publisher?: ComposeLocalOptions['publisher'];
  /** Where each alert's one-line summary goes; default console.log. */
  readonly printNotification?: ComposeLocalOptions['printNotification'];
};

const REPOSITORY_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export async function startLocalApi(options: StartLocalApiOptions): Promise<RunningApi> {
  const app = await composeLocal(options.config, { logger: options.logger, publisher: options.publisher, printNotification: options.printNotification });
  const background: PeriodicTask[] = [];
  try {
    const logger = app.deps.observability.logger;
    const verifyToken = await localTokenVerifier({ dataDir: options.config.dataDir });
    const resolveHandler = moduleHandlerResolver({ root: REPOSITORY_ROOT, deps: app.deps });
    const host = options.host ?? '127.0.0.1';
    const { server, port } = await startLocalServer({ resolveHandler, verifyToken, logger, port: options.port, host });
    if (options.checkpointer !== false) {
      background.push(
        startCheckpointer({
          journal: app.database.journal,
          intervalMs: options.checkpointIntervalMs ?? 500,
          onError: (error) => logger.error('checkpoint round failed', { error: error instanceof Error ? error : new Error(typeof error) }),
        }),
        startPeriodic({
          intervalMs: options.relayIntervalMs ?? 2_000,
          run: async () => {
            const run = await app.events.relay();
            if (run.published + run.failed > 0) logger.info('outbox relay run', { ...run });
          },
          onError: (error) => logger.warn('outbox relay run failed', { error: error instanceof Error ? error.name : typeof error }),
        }),
      );
    }
    return {
      url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      port,
      app,
      server,
      async close() {
        await new Promise<void>((resolveClosed) => {
          server.close(() => resolveClosed());
          server.closeAllConnections();
        });
        await Promise.all(background.map((task) => task.stop()));
        await app.close();
      },
    };
  } catch (error) {
    await Promise.all(background.map((task) => task.stop()));
    await app.close();
    throw error;
  }
}
