/**
 * The quickstart `npm start` prints works verbatim (issue #4 acceptance 6): its commands, run by a
 * POSIX shell from the repository root against a fresh local server, register a patient, store and
 * read a record, choose email alerts, and show the alert a refused read raised.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/http/observability.ts';
import { startLocalApi, type RunningApi } from '../../functions/local/local-api.ts';
import { quickstart } from '../../functions/local/quickstart.ts';

const REPOSITORY_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

describe('the printed quickstart', () => {
  let api: RunningApi;
  let dataDir: string;
  const printed: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chartproof-quickstart-'));
    api = await startLocalApi({
      config: { dataDir, origin: 'chartproof.local/journal', logLevel: 'SILENT' },
      port: 0,
      logger: createLogger({ serviceName: 'quickstart', logLevel: 'SILENT' }),
      printNotification: (line) => printed.push(line),
    });
  });

  afterAll(async () => {
    await api?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs verbatim in a shell and shows each step working', async () => {
    // The commands are the indented lines (comments included), as a reader copies them.
    const script = quickstart(api.url, dataDir)
      .split('\n')
      .filter((line) => line.startsWith('  '))
      .join('\n');

    const { stdout } = await promisify(execFile)('sh', ['-e', '-c', script], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, CHARTPROOF_DATA_DIR: dataDir },
      timeout: 60_000,
    });

    const lines = stdout.split('\n').filter((line) => line.trim() !== '');
    const json = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    const [created, listed, preferences, refused, alert] = json;
    expect({
      created: { version: created?.version, receipt: typeof (created?.entry as { index?: unknown } | undefined)?.index },
      listed: (listed?.items as unknown[] | undefined)?.length,
      preferences: preferences?.mode,
      refused: [refused?.status, typeof (refused?.entry as { index?: unknown } | undefined)?.index],
      alert: [alert?.channel, alert?.kind, alert?.address],
      printed: printed.some((line) => line.startsWith('notification access.denied via email')),
    }).toEqual({
      created: { version: 1, receipt: 'number' },
      listed: 1,
      preferences: 'immediate',
      refused: [403, 'number'],
      alert: ['email', 'access.denied', 'patient@example.org'],
      printed: true,
    });
  }, 90_000);
});
