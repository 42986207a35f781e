/**
 * `npm start`: the local API server (ARCHITECTURE.md D7) with the embedded defaults, or the real
 * adapters the environment selects (every variable is described in compose.ts; PORT, default 3000,
 * is read here). On the first start, when the data directory did not exist yet, it prints a
 * quickstart that works verbatim from the repository root.
 *
 * Stops cleanly on SIGINT and SIGTERM (closing the database lets PGlite flush its files).
 */
import { z } from 'zod';
import { localConfigFromEnv } from './compose.ts';
import { startLocalApi, type RunningApi } from './local-api.ts';
import { quickstart } from './quickstart.ts';
import { DEFAULT_PORT } from './server.ts';

const Port = z
  .string()
  .regex(/^[0-9]{1,5}$/, 'must be a port number')
  .transform(Number)
  .pipe(z.int().min(0).max(65_535))
  .optional();

async function main(): Promise<number> {
  let config;
  let port: number;
  try {
    config = localConfigFromEnv();
    port = Port.parse(process.env.PORT) ?? DEFAULT_PORT;
  } catch (error) {
    process.stderr.write(`chartproof: ${error instanceof z.ZodError ? `PORT ${error.issues[0]?.message ?? 'is invalid'}` : (error as Error).message}\n`);
    return 2;
  }
  let api: RunningApi;
  try {
    api = await startLocalApi({ config, port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(`chartproof: the local server did not start: ${code === 'EADDRINUSE' ? `port ${port} is in use; set PORT` : (error as Error).message}\n`);
    return 1;
  }
  const { adapters, firstStart } = api.app;
  process.stdout.write(
    [
      `Chartproof API listening on ${api.url}`,
      `  database:  ${adapters.database}`,
      `  objects:   ${adapters.objects}`,
      `  keys:      ${adapters.keys}`,
      `  signing:   ${adapters.signer}`,
      firstStart ? quickstart(api.url) : `  (quickstart: delete ${config.dataDir} to start afresh and see it again, or read README.md)`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('Chartproof API stopping\n');
  await api.close();
  return 0;
}

// exitCode rather than process.exit(), so buffered output is flushed before exiting.
process.exitCode = await main();
