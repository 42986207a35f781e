/**
 * C2SP signed-note verifier keys (c2sp.org/signed-note), as written by golang.org/x/mod/sumdb/note
 * and transparency-dev/formats:
 *
 *     <key name>+<hex key id>+<base64(signature type || public key)>
 *
 * Two signature types are supported; a log should pick one (ARCHITECTURE.md D1):
 * - 0x01 Ed25519. Public key: the 32-byte RFC 8032 encoding.
 *   Key id = SHA-256(key name || 0x0A || 0x01 || public key)[:4].
 * - 0x02 ECDSA P-256, an ASN.1 DER signature over SHA-256(note text). Public key: the DER
 *   SubjectPublicKeyInfo with the uncompressed SEC1 point (91 bytes; what KMS GetPublicKey and
 *   `openssl pkey -pubout -outform DER` return). Key id = SHA-256(SPKI DER)[:4], without name or
 *   type byte. Both choices are not ours: the signed-note spec defines 0x02 as "ECDSA signatures as
 *   implemented by github.com/transparency-dev/witness" and states that key id, and that
 *   implementation (used by Sigstore Rekor) expects the SPKI DER. Doing the same means any
 *   ecosystem verifier accepts our P-256 checkpoints, and ours accepts theirs.
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { VkeyFormatError } from './note-errors.ts';
import { decodeBase64Strict, encodeBase64 } from './strict-base64.ts';

/** Signature type identifier bytes assigned by C2SP signed-note. */
export const NOTE_SIGNATURE_TYPE = { ed25519: 0x01, ecdsaP256: 0x02 } as const;

/** A note verifier: the public half of one key, identified by (name, key id). */
export type NoteVerifier = { name: string; keyId: Uint8Array; verify(message: Uint8Array, signature: Uint8Array): boolean };

/** The parts of a verifier key. `publicKey` is encoded as described at the top of this file. */
export type ParsedVkey = { name: string; type: number; publicKey: Uint8Array; keyId: Uint8Array };

const ED25519_PUBLIC_KEY_SIZE = 32;
const ED25519_SIGNATURE_SIZE = 64;
const KEY_ID_SIZE = 4;
// Go's unicode.IsSpace is \s plus U+0085 (NEL); control characters are never valid in a note.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVALID_NAME_CHARACTER = /[\s\u0085+\u0000-\u001f\u007f]/u;

/** Whether `name` may be a note key name: non-empty, well-formed, no Unicode spaces, no "+", no control characters. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && name.isWellFormed() && !INVALID_NAME_CHARACTER.test(name);
}

/**
 * The 4-byte key id of a key, per C2SP signed-note.
 * Requires `publicKey` in the encoding of its type (see the top of this file): for 0x02 that is the
 * SPKI DER, whose hash alone is the id.
 */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): Uint8Array {
  const hash = createHash('sha256');
  if (type !== NOTE_SIGNATURE_TYPE.ecdsaP256) {
    hash.update(name, 'utf8');
    hash.update(new Uint8Array([0x0a, type]));
  }
  hash.update(publicKey);
  return new Uint8Array(hash.digest().subarray(0, KEY_ID_SIZE));
}

/**
 * The verifier key string for a public key.
 * Requires a valid key name, a supported type, and a public key in the encoding of that type;
 * throws VkeyFormatError otherwise.
 */
export function encodeVkey(name: string, type: number, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new VkeyFormatError(`invalid key name ${JSON.stringify(name)}`);
  publicKeyObject(type, publicKey); // validates
  const keyId = noteKeyId(name, type, publicKey);
  const material = new Uint8Array(1 + publicKey.length);
  material[0] = type;
  material.set(publicKey, 1);
  return `${name}+${hex(keyId)}+${encodeBase64(material)}`;
}

/**
 * The verifier key for a DER SubjectPublicKeyInfo (what KMS GetPublicKey returns): Ed25519 becomes
 * type 0x01, ECDSA P-256 type 0x02. Throws VkeyFormatError for any other key.
 */
export function vkeyFromSpki(name: string, spkiDer: Uint8Array): string {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
  } catch (error) {
    throw new VkeyFormatError(`not a DER SubjectPublicKeyInfo: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType === 'ed25519') {
    const x = key.export({ format: 'jwk' }).x;
    if (x === undefined) throw new VkeyFormatError('Ed25519 key without a public point');
    return encodeVkey(name, NOTE_SIGNATURE_TYPE.ed25519, new Uint8Array(Buffer.from(x, 'base64url')));
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return encodeVkey(name, NOTE_SIGNATURE_TYPE.ecdsaP256, new Uint8Array(key.export({ format: 'der', type: 'spki' })));
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  throw new VkeyFormatError(`unsupported public key type ${key.asymmetricKeyType ?? 'unknown'}${curve ? ` (${curve})` : ''}; want Ed25519 or ECDSA P-256`);
}

/** Splits and checks a verifier key string; throws VkeyFormatError when anything is off, including the key id. */
export function parseVkey(vkey: string): ParsedVkey {
  // The base64 part may itself contain "+", so split only at the first two.
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw new VkeyFormatError('verifier key must look like <name>+<hex key id>+<base64 key>');
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const material = decodeBase64Strict(vkey.slice(second + 1));
  if (!isValidKeyName(name)) throw new VkeyFormatError(`invalid key name ${JSON.stringify(name)}`);
  if (!/^[0-9a-fA-F]{8}$/.test(idHex)) throw new VkeyFormatError(`key id ${JSON.stringify(idHex)} is not 8 hex digits`);
  if (material === undefined) throw new VkeyFormatError('key material is not valid base64');
  if (material.length < 2) throw new VkeyFormatError('key material is too short');
  const type = material[0] as number;
  const publicKey = material.subarray(1);
  publicKeyObject(type, publicKey); // validates
  const keyId = noteKeyId(name, type, publicKey);
  if (hex(keyId) !== idHex.toLowerCase()) {
    throw new VkeyFormatError(`key id ${idHex} does not match the key, which hashes to ${hex(keyId)}`);
  }
  return { name, type, publicKey, keyId };
}

/** A verifier for a verifier key string; throws VkeyFormatError when the key is malformed or of an unsupported type. */
export function verifierFromVkey(vkey: string): NoteVerifier {
  const { name, type, publicKey, keyId } = parseVkey(vkey);
  const key = publicKeyObject(type, publicKey);
  const verify =
    type === NOTE_SIGNATURE_TYPE.ed25519
      ? (message: Uint8Array, signature: Uint8Array) =>
          signature.length === ED25519_SIGNATURE_SIZE && safely(() => cryptoVerify(null, message, key, signature))
      : (message: Uint8Array, signature: Uint8Array) =>
          safely(() => cryptoVerify('sha256', message, { key, dsaEncoding: 'der' }, signature));
  return { name, keyId, verify };
}

function publicKeyObject(type: number, publicKey: Uint8Array): KeyObject {
  if (type === NOTE_SIGNATURE_TYPE.ed25519) {
    if (publicKey.length !== ED25519_PUBLIC_KEY_SIZE) {
      throw new VkeyFormatError(`Ed25519 public key is ${publicKey.length} bytes, want ${ED25519_PUBLIC_KEY_SIZE}`);
    }
    const x = Buffer.from(publicKey).toString('base64url');
    try {
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    } catch (error) {
      throw new VkeyFormatError(`invalid Ed25519 public key: ${(error as Error).message}`);
    }
  }
  if (type === NOTE_SIGNATURE_TYPE.ecdsaP256) {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' });
    } catch (error) {
      throw new VkeyFormatError(`ECDSA public key is not a DER SubjectPublicKeyInfo: ${(error as Error).message}`);
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new VkeyFormatError('ECDSA public key is not on P-256');
    }
    // One encoding per key, so one key id per key: the uncompressed point, DER as Node writes it.
    if (!Buffer.from(publicKey).equals(key.export({ format: 'der', type: 'spki' }))) {
      throw new VkeyFormatError('ECDSA public key is not a canonical DER SubjectPublicKeyInfo with an uncompressed point');
    }
    return key;
  }
  throw new VkeyFormatError(`unsupported signature type 0x${type.toString(16).padStart(2, '0')}; want 0x01 (Ed25519) or 0x02 (ECDSA P-256)`);
}

function safely(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false; // a signature that cannot even be parsed does not verify
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
