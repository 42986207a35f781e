/**
 * Local tokens (API.md "Local tokens"; ARCHITECTURE.md D7): JWTs shaped like Cognito ID tokens,
 * minted by `chartproof token` and verified by the local server, so local requests carry the same
 * claims as in AWS.
 *
 * They are signed with EdDSA (Ed25519) under a key file in the data directory, created on first use
 * (0600, in a 0700 directory) and refused when others can read it. Verification pins everything an
 * attacker could otherwise choose: the algorithm (EdDSA only, so `alg: none` and HS256 signed with
 * the public key's bytes both fail), the issuer, the audience, and the presence of `exp`.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { createFileOnce, isErrnoError } from '../../shared/adapters/durable-file.ts';
import { ROLES, type Role } from '../http/actor.ts';
import { VerifiedTokenCache } from './verified-token-cache.ts';

export const LOCAL_TOKEN_ISSUER = 'chartproof-local';
export const LOCAL_TOKEN_AUDIENCE = 'chartproof-local-api';
export const LOCAL_TOKEN_ALGORITHM = 'EdDSA';
export const TOKEN_KEY_FILE_NAME = 'token-signing-key.pem';
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 60 * 60;
const MAX_TOKEN_LIFETIME_SECONDS = 7 * 24 * 60 * 60;
const CLOCK_TOLERANCE_SECONDS = 5;
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export type LocalTokenKeys = { privateKey: KeyObject; publicKey: KeyObject };

/** A token could not be minted (bad arguments) or the key file could not be used. */
export class LocalTokenError extends Error {
  override name = 'LocalTokenError';
}

/** A token was refused; `message` says why in a few words ("expired", "signature does not verify"). */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** The key file's path in `dataDir`. */
export function tokenKeyFile(dataDir: string): string {
  return join(dataDir, TOKEN_KEY_FILE_NAME);
}

/** Opens the token signing key in `dataDir`, creating it on first use. Throws LocalTokenError when it cannot be used. */
export async function openLocalTokenKeys(options: { dataDir: string }): Promise<LocalTokenKeys> {
  const keyFile = tokenKeyFile(options.dataDir);
  const existing = await readLocalTokenKeys(keyFile);
  if (existing !== undefined) return existing;
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  // Exactly one racing creator wins; the others find its key when they read.
  await createFileOnce({ path: keyFile, data: new TextEncoder().encode(pem), mode: 0o600, directoryMode: 0o700 });
  const created = await readLocalTokenKeys(keyFile);
  if (created === undefined) throw new LocalTokenError(`token key file ${keyFile} vanished after it was created`);
  return created;
}

/** The keys in `keyFile`, or undefined when there is no such file. */
async function readLocalTokenKeys(keyFile: string): Promise<LocalTokenKeys | undefined> {
  let mode: number;
  let pem: string;
  try {
    mode = (await stat(keyFile)).mode;
    pem = await readFile(keyFile, 'utf8');
  } catch (error) {
    if (isErrnoError(error, 'ENOENT')) return undefined;
    throw new LocalTokenError(`cannot read token key file ${keyFile}: ${(error as Error).message}`);
  }
  if ((mode & 0o077) !== 0) {
    throw new LocalTokenError(`token key file ${keyFile} is readable by others (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new LocalTokenError(`token key file ${keyFile} does not hold a PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new LocalTokenError(`token key file ${keyFile} holds a ${privateKey.asymmetricKeyType ?? 'non-asymmetric'} key, want ed25519`);
  }
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export type MintOptions = {
  privateKey: KeyObject;
  role: Role;
  /** The actor id (Cognito `sub`). */
  sub: string;
  /** Required for patients, refused for other roles. */
  patientId?: string;
  expiresInSeconds?: number;
  now?: Date;
};

/** Mints a local ID token. Throws LocalTokenError for arguments the API would refuse anyway. */
export async function mintLocalToken(options: MintOptions): Promise<string> {
  const { role, sub, patientId, expiresInSeconds = DEFAULT_TOKEN_LIFETIME_SECONDS, now = new Date() } = options;
  if (!(ROLES as readonly string[]).includes(role)) throw new LocalTokenError(`role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`);
  if (!IDENTIFIER.test(sub)) throw new LocalTokenError('sub must be 1-64 of A-Z a-z 0-9 . _ : -, starting with a letter or digit');
  if (role === 'patient' && patientId === undefined) throw new LocalTokenError('a patient token needs a patient id');
  if (role !== 'patient' && patientId !== undefined) throw new LocalTokenError(`a ${role} token takes no patient id`);
  if (patientId !== undefined && !IDENTIFIER.test(patientId)) {
    throw new LocalTokenError('the patient id must be 1-64 of A-Z a-z 0-9 . _ : -, starting with a letter or digit');
  }
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_TOKEN_LIFETIME_SECONDS) {
    throw new LocalTokenError(`the lifetime must be 1-${MAX_TOKEN_LIFETIME_SECONDS} seconds, got ${expiresInSeconds}`);
  }
  const issuedAt = Math.floor(now.getTime() / 1000);
  // The claims of a Cognito ID token that the API reads; `cognito:groups` is a JSON array, as Cognito writes it.
  const claims: JWTPayload = { 'cognito:groups': [role], token_use: 'id', ...(patientId === undefined ? {} : { 'custom:patient_id': patientId }) };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: LOCAL_TOKEN_ALGORITHM, typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(LOCAL_TOKEN_ISSUER)
    .setAudience(LOCAL_TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + expiresInSeconds)
    .sign(options.privateKey);
}

/** Verifies a local token and returns its claims; throws InvalidTokenError saying why it was refused. */
export async function verifyLocalToken(token: string, options: { publicKey: KeyObject; now?: Date }): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, options.publicKey, {
      algorithms: [LOCAL_TOKEN_ALGORITHM],
      issuer: LOCAL_TOKEN_ISSUER,
      audience: LOCAL_TOKEN_AUDIENCE,
      requiredClaims: ['exp', 'iat', 'sub'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      ...(options.now === undefined ? {} : { currentDate: options.now }),
    });
    return payload;
  } catch (error) {
    throw new InvalidTokenError(reasonFor(error), { cause: error });
  }
}

/** How many verified tokens the local server remembers (a few per local user is plenty). */
const VERIFIED_TOKEN_CACHE_ENTRIES = 1024;

/**
 * A verifier over the key file in `dataDir` (created on first use), for the local server. A token
 * that verified before is served from a bounded cache keyed by its exact string (see
 * verified-token-cache.ts) until it expires; anything else goes through verifyLocalToken.
 */
export async function localTokenVerifier(options: { dataDir: string; now?: () => Date }): Promise<(token: string) => Promise<JWTPayload>> {
  const { publicKey } = await openLocalTokenKeys(options);
  const now = options.now ?? (() => new Date());
  const verified = new VerifiedTokenCache({
    maxEntries: VERIFIED_TOKEN_CACHE_ENTRIES,
    clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
    // The same whole seconds jose compares with.
    nowSeconds: () => Math.floor(now().getTime() / 1000),
  });
  return async (token) => {
    const cached = verified.get(token);
    if (cached !== undefined) return cached;
    const claims = await verifyLocalToken(token, { publicKey, now: now() });
    verified.set(token, claims);
    return claims;
  };
}

function reasonFor(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JOSEAlgNotAllowed) return `token algorithm is not ${LOCAL_TOKEN_ALGORITHM}`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature does not verify';
  if (error instanceof errors.JWTClaimValidationFailed) return `token ${error.claim} claim is missing or wrong`;
  if (error instanceof errors.JOSEError) return 'token is malformed';
  return 'token cannot be verified';
}
