/**
 * Acceptance, embedded defaults: the local server in-process on an ephemeral port, composed as
 * `npm start` composes it (PGlite, filesystem objects, local key vault, local Ed25519 signer), with
 * its log lines captured. The scenario is in support/records-scenario.ts.
 */
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { createLogger } from '../../functions/http/observability.ts';
import { startLocalApi } from '../../functions/local/local-api.ts';
import { mintLocalToken, openLocalTokenKeys } from '../../functions/local/tokens.ts';
import { describeRecordsScenario, type ScenarioServer } from './support/records-scenario.ts';

describeRecordsScenario('records API over HTTP, embedded defaults', {
  skip: false,
  async start(): Promise<ScenarioServer> {
    const dataDir = await mkdtemp(join(tmpdir(), 'chartproof-e2e-data-'));
    const written: string[] = [];
    const capture = (chunk: unknown): boolean => {
      written.push(String(chunk));
      return true;
    };
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    const api = await startLocalApi({
      config: { dataDir, origin: 'chartproof.test/journal', logLevel: 'DEBUG' },
      port: 0,
      logger: createLogger({ serviceName: 'chartproof-e2e', logLevel: 'DEBUG' }),
    });
    const { privateKey } = await openLocalTokenKeys({ dataDir });
    return {
      baseUrl: api.url,
      token: ({ role, sub, patientId }) => mintLocalToken({ privateKey, role, sub, patientId }),
      async storedObjects() {
        const root = join(dataDir, 'objects');
        const files = (await readdir(root, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
        return Promise.all(files.map((file) => readFile(join(file.parentPath, file.name))));
      },
      async secrets() {
        const masterKey = await readFile(join(dataDir, 'keys', 'master.key'));
        const signingPem = await readFile(join(dataDir, 'keys', 'checkpoint-signing.pem'), 'utf8');
        const tokenPem = await readFile(join(dataDir, 'token-signing-key.pem'), 'utf8');
        const pemBody = (pem: string) => pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----')).join('');
        return [masterKey.toString('base64'), masterKey.toString('hex'), pemBody(signingPem), pemBody(tokenPem)];
      },
      logLines: () => written.join('').split('\n').filter((line) => line.trim() !== ''),
      async close() {
        await api.close();
        stdout.mockRestore();
        stderr.mockRestore();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
});
