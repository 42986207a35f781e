/**
 * `chartproof audit`: on the local PGlite data directory (as `npm start` leaves it) and on
 * PostgreSQL through DATABASE_URL.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type CliOutput } from '../../functions/cli/audit.ts';
import { ensureLocalSigningKey, openLocalSigner } from '../../shared/adapters/local-signer.ts';
import { openPglite } from '../../shared/adapters/pglite/executor.ts';
import { openPgliteJournalStore } from '../../shared/adapters/pglite/journal.ts';
import { entryBytes } from '../../shared/ledger/entry.ts';
import { sampleEntry } from '../ledger/journal-fixture.ts';
import { testSigner } from '../ledger/test-signer.ts';
import { postgresFixture, type JournalFixture } from '../support/journal-databases.ts';
import { testDatabaseUrl } from '../support/services.ts';

const url = testDatabaseUrl();
const SIZE = 600;
const node = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
const cli = fileURLToPath(new URL('../../functions/cli/chartproof.ts', import.meta.url));

function capture(): CliOutput & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (line) => lines.push(line), err: (line) => errors.push(line), progressStream: undefined };
}

const entries = Array.from({ length: SIZE }, (_, i) => entryBytes(sampleEntry(i)));

describe('chartproof audit on the local PGlite data directory', () => {
  let dataDir: string;
  const env = () => ({ CHARTPROOF_DATA_DIR: dataDir });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chartproof-audit-'));
    const keyFile = join(dataDir, 'keys', 'checkpoint-signing.pem');
    await ensureLocalSigningKey({ keyFile });
    const signer = await openLocalSigner({ keyFile, keyName: 'chartproof.local/journal' });
    const store = await openPgliteJournalStore({ dataDir: join(dataDir, 'pglite'), signer });
    await store.append(entries);
    await store.checkpoint();
    await store.close();
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('verifies an untouched journal and prints a summary', async () => {
    // Prepare
    const output = capture();
    // Act
    const code = await run([], output, env());
    // Assess
    expect(output.errors).toEqual([]);
    expect(code).toBe(0);
    expect(output.lines[0]).toMatch(/^OK: 600 entries, 39 tree nodes and 1 signed checkpoints verified; tree size 600 /);
  });

  it('is the audit subcommand of the chartproof command', async () => {
    // Act
    const { stdout } = await promisify(execFile)(node, [cli, 'audit'], { env: { ...process.env, ...env(), DATABASE_URL: '' } });
    // Assess
    expect(stdout).toMatch(/^OK: 600 entries/);
  });

  it('exits 1 naming the first bad entry when one byte of it changed', async () => {
    // Prepare
    await tamperEntry(dataDir, 123, 0x01);
    const output = capture();
    // Act
    const code = await run([], output, env());
    // Assess
    await tamperEntry(dataDir, 123, 0x01); // flip it back
    expect(code).toBe(1);
    expect(output.errors).toEqual([expect.stringMatching(/^FAILED: entry 123: is not a journal entry/)]);
  });

  it('exits 1 when the checkpoints are not signed by the key it is given', async () => {
    // Prepare
    const vkeyFile = join(dataDir, 'other.vkey');
    await writeFile(vkeyFile, `${testSigner({ keyName: 'chartproof.local/journal' }).vkey}\n`);
    const output = capture();
    // Act
    const code = await run(['--vkey', vkeyFile], output, env());
    // Assess
    expect(code).toBe(1);
    expect(output.errors).toEqual([expect.stringMatching(/^FAILED: checkpoint at size 600: its signature or format does not verify/)]);
  });

  it('exits 2 when there is no journal where it looks', async () => {
    // Prepare
    const output = capture();
    // Act
    const code = await run([], output, { CHARTPROOF_DATA_DIR: join(dataDir, 'nothing-here') });
    // Assess
    expect(code).toBe(2);
    expect(output.errors[0]).toMatch(/no journal in .*nothing-here/);
  });

  it('exits 2 on an unknown option', async () => {
    // Prepare
    const output = capture();
    // Act
    const code = await run(['--fast'], output, env());
    // Assess
    expect(code).toBe(2);
  });
});

describe.skipIf(url === undefined)('chartproof audit on PostgreSQL (DATABASE_URL)', () => {
  let fixture: JournalFixture;
  const signer = testSigner();
  let vkeyFile: string;

  beforeAll(async () => {
    fixture = await postgresFixture(url as string);
    const store = await fixture.openStore({ signer });
    await store.append(entries);
    await store.checkpoint();
    vkeyFile = join(await mkdtemp(join(tmpdir(), 'chartproof-vkey-')), 'log.vkey');
    await writeFile(vkeyFile, signer.vkey);
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('verifies the journal with the verifier key it is given', async () => {
    // Prepare
    const output = capture();
    // Act
    const code = await run(['--vkey', vkeyFile], output, { DATABASE_URL: fixture.url });
    // Assess
    expect(output.errors).toEqual([]);
    expect(code).toBe(0);
  });

  it('exits 2 without a verifier key for its signed checkpoints', async () => {
    // Prepare
    const output = capture();
    // Act
    const code = await run([], output, { DATABASE_URL: fixture.url });
    // Assess
    expect(code).toBe(2);
    expect(output.errors[0]).toMatch(/a verifier key is needed/);
  });
});

/** Flips bits of one byte of a stored entry, as a superuser with the append-only triggers off. */
async function tamperEntry(dataDir: string, index: number, mask: number): Promise<void> {
  const db = await openPglite(join(dataDir, 'pglite'));
  try {
    await db.exec('SET session_replication_role = replica');
    await db.query('UPDATE chartproof.journal_entries SET entry = set_byte(entry, 5, get_byte(entry, 5) # $2) WHERE idx = $1', [index, mask]);
  } finally {
    await db.close();
  }
}
