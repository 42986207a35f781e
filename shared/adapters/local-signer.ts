/**
 * A CheckpointSigner over a local PKCS#8 PEM key file (ARCHITECTURE.md D7: "a local Ed25519
 * signing key"), and the function that creates that file when it is missing.
 *
 * Ed25519 (note type 0x01) is the default; ECDSA P-256 (type 0x02) is the option that mirrors the
 * KMS path. The key type is read from the file, so the signer needs no setting for it.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CheckpointSigner } from '../ports/signer.ts';
import { NOTE_SIGNATURE_TYPE, parseVkey, vkeyFromSpki } from '../ledger/vkey.ts';

export type LocalKeyAlgorithm = 'ed25519' | 'ecdsa-p256';

/** The local signing key file could not be used. */
export class LocalSigningKeyError extends Error {
  override name = 'LocalSigningKeyError';
}

/**
 * A signer for a PKCS#8 PEM private key (Ed25519 or ECDSA P-256) and a note key name (usually the
 * log origin). Throws LocalSigningKeyError for any other key or an invalid key name.
 */
export function localSignerFromPem(options: { pem: string; keyName: string }): CheckpointSigner {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: options.pem, format: 'pem' });
  } catch (error) {
    throw new LocalSigningKeyError(`not a PEM private key: ${(error as Error).message}`);
  }
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  let vkey: string;
  try {
    vkey = vkeyFromSpki(options.keyName, spki);
  } catch (error) {
    throw new LocalSigningKeyError(`cannot sign notes with this key: ${(error as Error).message}`);
  }
  const { keyId, type } = parseVkey(vkey);
  // Ed25519 signs the message itself; ECDSA signs SHA-256(message), DER-encoded (C2SP type 0x02).
  const signOnce =
    type === NOTE_SIGNATURE_TYPE.ed25519
      ? (message: Uint8Array) => cryptoSign(null, message, privateKey)
      : (message: Uint8Array) => cryptoSign('sha256', message, { key: privateKey, dsaEncoding: 'der' });
  return {
    keyName: options.keyName,
    keyId,
    vkey,
    sign: async (message) => new Uint8Array(signOnce(message)),
  };
}

/** Reads the key file and returns its signer; throws LocalSigningKeyError when it cannot. */
export async function openLocalSigner(options: { keyFile: string; keyName: string }): Promise<CheckpointSigner> {
  let pem: string;
  try {
    pem = await readFile(options.keyFile, 'utf8');
  } catch (error) {
    throw new LocalSigningKeyError(`cannot read signing key file ${options.keyFile}: ${(error as Error).message}`);
  }
  return localSignerFromPem({ pem, keyName: options.keyName });
}

/**
 * Creates a new PKCS#8 PEM private key at `keyFile`, readable by its owner only (0600), unless a
 * file is already there, which is left untouched whatever it holds. Creates the directory (0700)
 * if needed. Safe against concurrent callers and crashes: the key is written to a temporary file
 * and hard-linked into place, so `keyFile` either does not exist or holds a complete key, and
 * exactly one caller creates it. Returns whether this call created it.
 */
export async function ensureLocalSigningKey(options: { keyFile: string; algorithm?: LocalKeyAlgorithm }): Promise<{ created: boolean }> {
  const { keyFile, algorithm = 'ed25519' } = options;
  const { privateKey } =
    algorithm === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
  await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
  const temporary = join(dirname(keyFile), `.${basename(keyFile)}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temporary, pem, { mode: 0o600, flag: 'wx' });
  try {
    await chmod(temporary, 0o600); // the mode given to writeFile is filtered by the umask; this is not
    await link(temporary, keyFile);
    return { created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { created: false };
    throw error;
  } finally {
    await unlink(temporary);
  }
}
