import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalKeyFileError, openLocalKeyVault } from '../../shared/adapters/local-key-vault.ts';
import { describeKeyVaultContract } from './contracts/key-vault-contract.ts';

const scratch = await mkdtemp(join(tmpdir(), 'chartproof-local-key-vault-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

let files = 0;
const aKeyFile = (): string => join(scratch, `case-${files++}`, 'keys', 'master.key');

describeKeyVaultContract('LocalKeyVault', () => openLocalKeyVault({ keyFile: aKeyFile() }));

describe('LocalKeyVault key file', () => {
  it('creates a missing key file of 32 bytes with mode 0600', async () => {
    const keyFile = aKeyFile();

    await openLocalKeyVault({ keyFile });

    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile)).toHaveLength(32);
  });

  it('reuses an existing key file, so keys wrapped before a restart still open', async () => {
    const keyFile = aKeyFile();
    const before = await openLocalKeyVault({ keyFile });
    const { plaintextKey, wrappedKey } = await before.createPatientKey('patient-a');

    const after = await openLocalKeyVault({ keyFile });

    expect(Buffer.from(await after.unwrapPatientKey('patient-a', wrappedKey)).equals(plaintextKey)).toBe(true);
  });

  it('gives racing openers one and the same key', async () => {
    const keyFile = aKeyFile();

    const vaults = await Promise.all(Array.from({ length: 8 }, () => openLocalKeyVault({ keyFile })));

    const { plaintextKey, wrappedKey } = await vaults[0]!.createPatientKey('patient-a');
    for (const vault of vaults) {
      expect(Buffer.from(await vault.unwrapPatientKey('patient-a', wrappedKey)).equals(plaintextKey)).toBe(true);
    }
  });

  it('does not open a key wrapped under another key file', async () => {
    const first = await openLocalKeyVault({ keyFile: aKeyFile() });
    const second = await openLocalKeyVault({ keyFile: aKeyFile() });
    const { wrappedKey } = await first.createPatientKey('patient-a');

    const unwrap = second.unwrapPatientKey('patient-a', wrappedKey);

    await expect(unwrap).rejects.toThrow(/does not open/);
  });

  it('refuses a key file readable by group or others', async () => {
    const keyFile = aKeyFile();
    await openLocalKeyVault({ keyFile });
    await chmod(keyFile, 0o644);

    const open = openLocalKeyVault({ keyFile });

    await expect(open).rejects.toThrow(LocalKeyFileError);
  });

  it('refuses a key file of the wrong size', async () => {
    const keyFile = join(scratch, `short-${files++}.key`);
    await writeFile(keyFile, Buffer.alloc(16), { mode: 0o600 });

    const open = openLocalKeyVault({ keyFile });

    await expect(open).rejects.toThrow('holds 16 bytes, want 32');
  });

  it('refuses a truncated wrapped key', async () => {
    const vault = await openLocalKeyVault({ keyFile: aKeyFile() });
    const { wrappedKey } = await vault.createPatientKey('patient-a');

    const unwrap = vault.unwrapPatientKey('patient-a', wrappedKey.subarray(0, wrappedKey.length - 1));

    await expect(unwrap).rejects.toThrow(/does not open/);
  });
});
