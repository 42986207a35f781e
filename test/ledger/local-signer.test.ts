import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureLocalSigningKey, LocalSigningKeyError, openLocalSigner } from '../../shared/adapters/local-signer.ts';
import { openNote, signNote, verifierFromVkey } from '../../shared/ledger/note.ts';
import { vkeyFromSpki } from '../../shared/ledger/vkey.ts';

const run = promisify(execFile);

/** Runs openssl; resolves with its exit code and output instead of rejecting on a non-zero exit. */
async function openssl(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('openssl', args);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, output: (failure.stdout ?? '') + (failure.stderr ?? '') };
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chartproof-signer-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Paths = { text: string; signature: string; publicKey: string; keyFile: string };

/** Signs a note with a fresh local key of `algorithm` and writes what openssl needs: the text, the raw signature, the public key. */
async function signedFiles(algorithm: 'ed25519' | 'ecdsa-p256') {
  const keyFile = join(dir, 'keys', 'checkpoint.pem');
  await ensureLocalSigningKey({ keyFile, algorithm });
  const signer = await openLocalSigner({ keyFile, keyName: 'chartproof.example/log' });
  const text = 'chartproof.example/log\n7\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
  const note = await signNote(text, [signer]);
  const blob = Buffer.from(note.slice(note.lastIndexOf(' ') + 1, -1), 'base64');
  const paths: Paths = { text: join(dir, 'text'), signature: join(dir, 'signature'), publicKey: join(dir, 'public.pem'), keyFile };
  await writeFile(paths.text, text);
  await writeFile(paths.signature, blob.subarray(4)); // after the 4-byte key id
  await writeFile(paths.publicKey, createPublicKey(await readFile(keyFile, 'utf8')).export({ format: 'pem', type: 'spki' }));
  return { signer, note, blob, paths };
}

describe('local signer interoperability with OpenSSL 3', () => {
  it('writes Ed25519 note signatures that openssl pkeyutl -verify -rawin accepts', async () => {
    // Prepare
    const { paths, blob } = await signedFiles('ed25519');

    // Act
    const result = await openssl(['pkeyutl', '-verify', '-pubin', '-inkey', paths.publicKey, '-rawin', '-in', paths.text, '-sigfile', paths.signature]);

    // Assess
    expect(blob.length).toBe(4 + 64);
    expect(result).toEqual({ code: 0, output: expect.stringContaining('Signature Verified Successfully') });
  });

  it('writes ECDSA P-256 note signatures (DER over SHA-256) that openssl dgst -sha256 -verify accepts', async () => {
    // Prepare
    const { paths, blob } = await signedFiles('ecdsa-p256');

    // Act
    const result = await openssl(['dgst', '-sha256', '-verify', paths.publicKey, '-signature', paths.signature, paths.text]);

    // Assess
    expect(blob[4]).toBe(0x30); // a DER SEQUENCE
    expect(result).toEqual({ code: 0, output: expect.stringContaining('Verified OK') });
  });

  it.each([
    ['ed25519', (p: Paths) => ['pkeyutl', '-verify', '-pubin', '-inkey', p.publicKey, '-rawin', '-in', p.text, '-sigfile', p.signature]],
    ['ecdsa-p256', (p: Paths) => ['dgst', '-sha256', '-verify', p.publicKey, '-signature', p.signature, p.text]],
  ] as const)('makes openssl reject the %s signature once the text changes', async (algorithm, command) => {
    // Prepare
    const { paths } = await signedFiles(algorithm);
    await writeFile(paths.text, 'chartproof.example/log\n8\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n');

    // Act
    const result = await openssl(command(paths));

    // Assess
    expect(result.code).not.toBe(0);
  });

  it.each([
    ['ed25519', ['genpkey', '-algorithm', 'ed25519']],
    ['ecdsa-p256', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']],
  ])('signs with an openssl-generated %s key, and its vkey matches the one from openssl\'s public key', async (_, generate) => {
    // Prepare
    const keyFile = join(dir, 'openssl.pem');
    const spkiFile = join(dir, 'openssl.spki.der');
    expect((await openssl([...generate, '-out', keyFile])).code).toBe(0);
    expect((await openssl(['pkey', '-in', keyFile, '-pubout', '-outform', 'DER', '-out', spkiFile])).code).toBe(0);

    // Act
    const signer = await openLocalSigner({ keyFile, keyName: 'chartproof.example/log' });
    const note = await signNote('hello\n', [signer]);

    // Assess
    expect(signer.vkey).toBe(vkeyFromSpki('chartproof.example/log', await readFile(spkiFile)));
    expect(openNote(note, [verifierFromVkey(signer.vkey)]).verifiedBy).toEqual(['chartproof.example/log']);
  });
});

describe('ensureLocalSigningKey', () => {
  it('creates a missing key file readable by its owner only, and leaves an existing one alone', async () => {
    // Prepare
    const keyFile = join(dir, 'nested', 'dir', 'checkpoint.pem');

    // Act
    const first = await ensureLocalSigningKey({ keyFile });
    const pem = await readFile(keyFile, 'utf8');
    const second = await ensureLocalSigningKey({ keyFile });

    // Assess
    expect(first).toEqual({ created: true });
    expect(second).toEqual({ created: false });
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile, 'utf8')).toBe(pem);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('creates the file exactly once under concurrent callers, leaving no temporary files', async () => {
    // Prepare
    const keyFile = join(dir, 'checkpoint.pem');

    // Act
    const results = await Promise.all(Array.from({ length: 8 }, () => ensureLocalSigningKey({ keyFile, algorithm: 'ecdsa-p256' })));

    // Assess
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(await readdir(dir)).toEqual(['checkpoint.pem']);
    expect((await openLocalSigner({ keyFile, keyName: 'k' })).vkey).toMatch(/^k\+[0-9a-f]{8}\+Aj/);
  });
});

describe('openLocalSigner', () => {
  it('refuses an RSA key', async () => {
    // Prepare
    const keyFile = join(dir, 'rsa.pem');
    expect((await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', keyFile])).code).toBe(0);

    // Act
    const act = openLocalSigner({ keyFile, keyName: 'k' });

    // Assess
    await expect(act).rejects.toThrow(LocalSigningKeyError);
  });

  it('refuses a missing file with a clear error', async () => {
    // Act
    const act = openLocalSigner({ keyFile: join(dir, 'absent.pem'), keyName: 'k' });

    // Assess
    await expect(act).rejects.toThrow(/cannot read signing key file .*absent\.pem/);
  });
});
