import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_OK, EXIT_USAGE, run } from '../../functions/cli/token.ts';
import { openLocalTokenKeys, verifyLocalToken } from '../../functions/local/tokens.ts';

const scratch = await mkdtemp(join(tmpdir(), 'chartproof-token-cli-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function runToken(args: string[], environment: Record<string, string> = { CHARTPROOF_DATA_DIR: scratch }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (line) => out.push(line), err: (line) => err.push(line) }, environment);
  return { code, out, err };
}

describe('chartproof token', () => {
  it('prints only a token, which the key in the data directory verifies', async () => {
    const { code, out, err } = await runToken(['--role', 'patient', '--sub', 'pa-1', '--patient', 'p-1']);

    expect(code).toBe(EXIT_OK);
    expect(err).toEqual([]);
    expect(out).toHaveLength(1);
    const { publicKey } = await openLocalTokenKeys({ dataDir: scratch });
    await expect(verifyLocalToken(out[0]!, { publicKey })).resolves.toMatchObject({ sub: 'pa-1', 'cognito:groups': ['patient'], 'custom:patient_id': 'p-1' });
  });

  it('honours --data-dir over CHARTPROOF_DATA_DIR', async () => {
    const dataDir = join(scratch, 'elsewhere');

    const { out } = await runToken(['--role', 'admin', '--sub', 'a1', '--data-dir', dataDir]);

    const { publicKey } = await openLocalTokenKeys({ dataDir });
    await expect(verifyLocalToken(out[0]!, { publicKey })).resolves.toMatchObject({ sub: 'a1' });
  });

  it.each([
    [['--sub', 'a1'], /--role is required/],
    [['--role', 'nurse', '--sub', 'a1'], /--role must be one of patient, practitioner, auditor, admin/],
    [['--role', 'admin'], /--sub is required/],
    [['--role', 'patient', '--sub', 'pa-1'], /needs a patient id/],
    [['--role', 'admin', '--sub', 'a1', '--expires-in', '1h'], /--expires-in must be a whole number/],
    [['--role', 'admin', '--sub', 'a1', '--bogus'], /Unknown option '--bogus'/],
  ])('exits 2 with a one-line reason for %j', async (args, reason) => {
    const { code, out, err } = await runToken(args);

    expect(code).toBe(EXIT_USAGE);
    expect(out).toEqual([]);
    expect(err).toEqual([expect.stringMatching(reason)]);
  });

  it('prints help on stdout with --help', async () => {
    const { code, out } = await runToken(['--help']);

    expect(code).toBe(EXIT_OK);
    expect(out[0]).toMatch(/^Usage: chartproof token --role <role> --sub <id>/);
  });
});
