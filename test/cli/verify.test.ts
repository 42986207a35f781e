/**
 * `chartproof verify` as a user runs it: the real CLI in a child process, on files in a temp
 * directory. The exhaustive bit flips run against the pure function in
 * test/ledger/verify-bundle.test.ts; here a representative subset goes through the whole process.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildJournal, testSigner } from '../ledger/journal-fixture.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const node = join(repoRoot, 'node_modules', '.bin', 'node');

type Run = { code: number; stdout: string; stderr: string };

function chartproof(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(node, ['functions/cli/chartproof.ts', ...args], { cwd: repoRoot }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr });
    });
  });
}

/** The lines of a stream, without the final newline. */
const lines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

let dir: string;
const path = (name: string) => join(dir, name);
const files = { vkey: '', checkpoint: '', entry: '', oldCheckpoint: '', consistency: '' };
let entryText = '';
let proofHash = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chartproof-verify-'));
  const journal = buildJournal({ size: 21 });
  const entry = await journal.entryResponse(11);
  entryText = entry.entry;
  proofHash = entry.proof[1] as string;
  Object.assign(files, {
    vkey: `${journal.signer.vkey}\n`,
    checkpoint: await journal.checkpoint(),
    entry: JSON.stringify(entry, null, 2),
    oldCheckpoint: await journal.checkpoint(8),
    consistency: JSON.stringify(journal.consistencyResponse(8, 21)),
  });
  await Promise.all([
    writeFile(path('key.vkey'), files.vkey),
    writeFile(path('checkpoint.txt'), files.checkpoint),
    writeFile(path('entry.json'), files.entry),
    writeFile(path('old-checkpoint.txt'), files.oldCheckpoint),
    writeFile(path('consistency.json'), files.consistency),
    writeFile(path('other.vkey'), testSigner().vkey),
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const all = () => [
  'verify', '--vkey', path('key.vkey'), '--checkpoint', path('checkpoint.txt'), '--entry', path('entry.json'),
  '--old-checkpoint', path('old-checkpoint.txt'), '--consistency', path('consistency.json'),
];

/** `text` with bit `bit` of its byte at `at` flipped, as raw bytes. */
function flipBit(text: string, at: number, bit: number): Buffer {
  const bytes = Buffer.from(text);
  bytes[at] = (bytes[at] as number) ^ (1 << bit);
  return bytes;
}

describe('chartproof verify', () => {
  it('exits 0 with one OK line when the checkpoint, the entry and the consistency proof all verify', async () => {
    // Act
    const run = await chartproof(all());

    // Assess
    expect(run.stderr).toBe('');
    expect(lines(run.stdout)).toEqual([expect.stringMatching(/^OK: checkpoint .* at size 21 .*; entry 11 \(record\.created\) is included; extends checkpoint at size 8 /)]);
    expect(run.code).toBe(0);
  });

  it('exits 0 for a checkpoint alone', async () => {
    // Act
    const run = await chartproof(['verify', '--vkey', path('key.vkey'), '--checkpoint', path('checkpoint.txt')]);

    // Assess
    expect(run.code).toBe(0);
  });

  it.each<[string, () => { name: string; bytes: Buffer | string }, RegExp]>([
    ['a bit of the entry', () => ({ name: 'entry.json', bytes: flipBit(files.entry, files.entry.indexOf('record.created') + 3, 0) }), /^FAILED: entry: leafHash .* does not match the entry/],
    ['a bit of a proof hash', () => {
      const changed = Buffer.from(proofHash, 'base64');
      changed[0] = (changed[0] as number) ^ 0x80;
      return { name: 'entry.json', bytes: files.entry.replace(proofHash, changed.toString('base64')) };
    }, /^FAILED: inclusion proof does not verify: root mismatch \(computed .+, checkpoint has .+\)$/],
    ['a bit of the root in the checkpoint', () => {
      const root = files.checkpoint.split('\n')[2] as string;
      const changed = Buffer.from(root, 'base64');
      changed[31] = (changed[31] as number) ^ 0x01;
      return { name: 'checkpoint.txt', bytes: files.checkpoint.replace(root, changed.toString('base64')) };
    }, /^FAILED: checkpoint: invalid signature for key /],
    ['a bit of the tree size in the checkpoint', () => ({ name: 'checkpoint.txt', bytes: flipBit(files.checkpoint, files.checkpoint.indexOf('\n') + 1, 0) }), /^FAILED: checkpoint: invalid signature for key /],
    ['a bit of the signature', () => ({ name: 'checkpoint.txt', bytes: flipBit(files.checkpoint, files.checkpoint.length - 10, 1) }), /^FAILED: checkpoint: /],
    ['a bit of the old checkpoint', () => ({ name: 'old-checkpoint.txt', bytes: flipBit(files.oldCheckpoint, 3, 2) }), /^FAILED: old checkpoint: /],
  ])('exits 1 with one reason line after flipping %s', async (_, tamper, reason) => {
    // Prepare
    const { name, bytes } = tamper();
    const tampered = path(`tampered-${name}`);
    await writeFile(tampered, bytes);
    const args = all().map((arg) => (arg === path(name) ? tampered : arg));

    // Act
    const run = await chartproof(args);

    // Assess
    expect(run.stdout).toBe('');
    expect(lines(run.stderr)).toEqual([expect.stringMatching(reason)]);
    expect(run.code).toBe(1);
  });

  it('exits 1 when the checkpoint is not signed by the given key', async () => {
    // Act
    const run = await chartproof(['verify', '--vkey', path('other.vkey'), '--checkpoint', path('checkpoint.txt')]);

    // Assess
    expect(lines(run.stderr)).toEqual([expect.stringMatching(/^FAILED: checkpoint: no signature from a known key; found signatures by unknown keys /)]);
    expect(run.code).toBe(1);
  });

  it('keeps the flipped-entry fixture honest: the entry string is where the flip landed', () => {
    // Assess
    expect(files.entry).toContain(JSON.stringify(entryText));
    expect(files.entry.indexOf('record.created')).toBeGreaterThan(files.entry.indexOf('"entry"'));
  });

  it.each([
    ['no options', ['verify'], /--vkey is required/],
    ['no checkpoint', ['verify', '--vkey', 'k'], /--checkpoint is required/],
    ['an unknown option', ['verify', '--vkey', 'k', '--checkpoint', 'c', '--fast'], /Unknown option '--fast'/],
    ['a positional argument', ['verify', '--vkey', 'k', '--checkpoint', 'c', 'extra'], /positional/],
    ['an old checkpoint without a consistency proof', ['verify', '--vkey', 'k', '--checkpoint', 'c', '--old-checkpoint', 'o'], /go together/],
    ['a file that does not exist', ['verify', '--vkey', '/nonexistent/key.vkey', '--checkpoint', 'c'], /cannot read --vkey file \/nonexistent\/key\.vkey: ENOENT/],
  ])('exits 2 on a usage error: %s', async (_, args, message) => {
    // Act
    const run = await chartproof(args);

    // Assess
    expect(lines(run.stderr)).toEqual([expect.stringMatching(message)]);
    expect(run.code).toBe(2);
  });

  it('prints its usage with --help and exits 0', async () => {
    // Act
    const run = await chartproof(['verify', '--help']);

    // Assess
    expect(run.stdout).toMatch(/^Usage: chartproof verify --vkey K --checkpoint C \[--entry E\] \[--old-checkpoint O --consistency P\]/);
    expect(run.code).toBe(0);
  });
});

describe('chartproof', () => {
  it('lists its commands with --help', async () => {
    // Act
    const run = await chartproof(['--help']);

    // Assess
    expect(run.stdout).toMatch(/^Usage: chartproof <command>/);
    expect(run.stdout).toMatch(/\n {2}verify {2}/);
    expect(run.code).toBe(0);
  });

  it.each([
    ['no command', [], /^Usage: chartproof <command>/],
    ['an unknown command', ['frobnicate'], /^chartproof: unknown command "frobnicate"/],
  ])('exits 2 for %s', async (_, args, message) => {
    // Act
    const run = await chartproof(args);

    // Assess
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(2);
  });
});
