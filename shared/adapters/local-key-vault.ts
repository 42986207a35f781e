import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import canonicalize from 'canonicalize';
import { createFileOnce, isErrnoError } from './durable-file.ts';
import { PATIENT_KEY_SIZE, PatientKeyUnwrapError, type KeyVault, type PatientKey } from '../ports/key-vault.ts';

/**
 * The local (npm start, tests) KeyVault: one 32-byte master key in a file wraps every patient key
 * with AES-256-GCM. Like KMS, the wrap authenticates the encryption context `{patientId}`: its
 * RFC 8785 canonical JSON is the GCM additional data, so a wrapped key opens only for the patient
 * it was made for.
 *
 * Wrapped key layout: format (1 byte, 0x01) || IV (12) || encrypted key (32) || GCM tag (16).
 */
export class LocalKeyVault implements KeyVault {
  readonly #masterKey: Uint8Array;

  /** Requires a 32-byte master key. Prefer `openLocalKeyVault`, which manages the key file. */
  constructor(masterKey: Uint8Array) {
    if (masterKey.length !== MASTER_KEY_SIZE) {
      throw new RangeError(`master key is ${masterKey.length} bytes, want ${MASTER_KEY_SIZE}`);
    }
    this.#masterKey = Uint8Array.from(masterKey);
  }

  async createPatientKey(patientId: string): Promise<PatientKey> {
    requirePatientId(patientId);
    const plaintextKey = new Uint8Array(randomBytes(PATIENT_KEY_SIZE));
    const iv = randomBytes(IV_SIZE);
    const cipher = createCipheriv('aes-256-gcm', this.#masterKey, iv, { authTagLength: TAG_SIZE });
    cipher.setAAD(encryptionContextAad(patientId));
    const encryptedKey = Buffer.concat([cipher.update(plaintextKey), cipher.final()]);
    const wrappedKey = new Uint8Array(Buffer.concat([Buffer.of(FORMAT), iv, encryptedKey, cipher.getAuthTag()]));
    return { plaintextKey, wrappedKey };
  }

  async unwrapPatientKey(patientId: string, wrappedKey: Uint8Array): Promise<Uint8Array> {
    requirePatientId(patientId);
    if (wrappedKey.length !== WRAPPED_KEY_SIZE || wrappedKey[0] !== FORMAT) {
      throw new PatientKeyUnwrapError(patientId, {
        cause: new Error(`wrapped key is ${wrappedKey.length} bytes with format ${wrappedKey[0]}, want ${WRAPPED_KEY_SIZE} bytes with format ${FORMAT}`),
      });
    }
    const iv = wrappedKey.subarray(1, 1 + IV_SIZE);
    const encryptedKey = wrappedKey.subarray(1 + IV_SIZE, 1 + IV_SIZE + PATIENT_KEY_SIZE);
    const tag = wrappedKey.subarray(1 + IV_SIZE + PATIENT_KEY_SIZE);
    const decipher = createDecipheriv('aes-256-gcm', this.#masterKey, iv, { authTagLength: TAG_SIZE });
    decipher.setAAD(encryptionContextAad(patientId));
    decipher.setAuthTag(tag);
    try {
      return new Uint8Array(Buffer.concat([decipher.update(encryptedKey), decipher.final()]));
    } catch (error) {
      // GCM authentication failed: wrong patient, tampered bytes or another master key.
      throw new PatientKeyUnwrapError(patientId, { cause: error });
    }
  }
}

/** The key file exists but is not a usable master key. */
export class LocalKeyFileError extends Error {
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`local key file ${path}: ${problem}`);
    this.name = 'LocalKeyFileError';
    this.path = path;
  }
}

/**
 * Opens the vault over `keyFile`, creating it (32 random bytes, mode 0600, parent directories
 * 0700) when missing. Refuses a key file of the wrong size or readable by group or others, as
 * ssh does with private keys.
 */
export async function openLocalKeyVault(options: { keyFile: string }): Promise<LocalKeyVault> {
  const masterKey = await readOrCreateKeyFile(options.keyFile);
  try {
    return new LocalKeyVault(masterKey);
  } finally {
    masterKey.fill(0);
  }
}

const FORMAT = 0x01;
const MASTER_KEY_SIZE = 32;
const IV_SIZE = 12;
const TAG_SIZE = 16;
const WRAPPED_KEY_SIZE = 1 + IV_SIZE + PATIENT_KEY_SIZE + TAG_SIZE;

function requirePatientId(patientId: string): void {
  if (patientId.length === 0) throw new RangeError('patientId must not be empty');
}

/** The encryption context as KMS binds it: serialized canonically, so key order cannot matter. */
function encryptionContextAad(patientId: string): Uint8Array {
  return new TextEncoder().encode(canonicalize({ patientId }));
}

async function readOrCreateKeyFile(path: string): Promise<Uint8Array> {
  try {
    return await readKeyFile(path);
  } catch (error) {
    if (!isErrnoError(error, 'ENOENT')) throw error;
  }
  await createKeyFile(path);
  return readKeyFile(path);
}

async function readKeyFile(path: string): Promise<Uint8Array> {
  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) {
    throw new LocalKeyFileError(path, `mode is 0${(mode & 0o777).toString(8)}, want 0600 (no access for group or others)`);
  }
  const key = new Uint8Array(await readFile(path));
  if (key.length !== MASTER_KEY_SIZE) {
    throw new LocalKeyFileError(path, `holds ${key.length} bytes, want ${MASTER_KEY_SIZE}`);
  }
  return key;
}

/**
 * Creates the key without ever replacing one: when two processes race, the loser reads the
 * winner's key, since replacing it would orphan every patient key already wrapped.
 */
async function createKeyFile(path: string): Promise<void> {
  const masterKey = randomBytes(MASTER_KEY_SIZE);
  try {
    await createFileOnce({ path, data: masterKey, mode: 0o600, directoryMode: 0o700 });
  } finally {
    masterKey.fill(0);
  }
}
