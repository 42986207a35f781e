import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import {
  InvalidTokenError,
  LOCAL_TOKEN_AUDIENCE,
  LOCAL_TOKEN_ISSUER,
  LocalTokenError,
  mintLocalToken,
  openLocalTokenKeys,
  tokenKeyFile,
  verifyLocalToken,
} from '../../functions/local/tokens.ts';

const scratch = await mkdtemp(join(tmpdir(), 'chartproof-tokens-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));
let dirs = 0;
const aDataDir = (): string => join(scratch, `data-${dirs++}`);

const keys = await openLocalTokenKeys({ dataDir: aDataDir() });
const now = new Date('2025-06-01T12:00:00Z');
const inAnHour = new Date('2025-06-01T13:00:00Z');
const claims = { 'cognito:groups': ['practitioner'], token_use: 'id' };

/** Signs `payload` with the local key, letting a test leave out or change any registered claim. */
function signed(options: { iss?: string; aud?: string; exp?: number | null; sub?: string } = {}): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA' }).setSubject(options.sub ?? 'pr-1').setIssuedAt(issuedAt);
  jwt.setIssuer(options.iss ?? LOCAL_TOKEN_ISSUER).setAudience(options.aud ?? LOCAL_TOKEN_AUDIENCE);
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? issuedAt + 600);
  return jwt.sign(keys.privateKey);
}

describe('local tokens: minting and verifying', () => {
  it('verifies a minted token and returns its Cognito-shaped claims', async () => {
    const token = await mintLocalToken({ privateKey: keys.privateKey, role: 'patient', sub: 'pa-1', patientId: 'p-1', now });

    const payload = await verifyLocalToken(token, { publicKey: keys.publicKey, now });

    expect(payload).toMatchObject({
      sub: 'pa-1',
      'cognito:groups': ['patient'],
      'custom:patient_id': 'p-1',
      token_use: 'id',
      iss: LOCAL_TOKEN_ISSUER,
      aud: LOCAL_TOKEN_AUDIENCE,
      iat: now.getTime() / 1000,
      exp: now.getTime() / 1000 + 3600,
    });
  });

  it.each([
    ['a patient without a patient id', { role: 'patient', sub: 'pa-1' }, /needs a patient id/],
    ['an admin with a patient id', { role: 'admin', sub: 'a-1', patientId: 'p-1' }, /takes no patient id/],
    ['an unknown role', { role: 'nurse', sub: 'n-1' }, /role must be one of/],
    ['a sub that is no identifier', { role: 'admin', sub: 'Jane Doe' }, /sub must be/],
    ['a lifetime of 0', { role: 'admin', sub: 'a-1', expiresInSeconds: 0 }, /lifetime/],
  ] as const)('refuses to mint %s', async (_case, options, message) => {
    const mint = mintLocalToken({ privateKey: keys.privateKey, ...(options as { role: 'admin'; sub: string }) });

    await expect(mint).rejects.toThrow(LocalTokenError);
    await expect(mint).rejects.toThrow(message);
  });
});

describe('local tokens: every forgery and stale token is refused', () => {
  const verifying = async (token: string | Promise<string>, at: Date = now) => verifyLocalToken(await token, { publicKey: keys.publicKey, now: at });
  const refusal = (reason: RegExp) => expect.objectContaining({ name: InvalidTokenError.name, message: expect.stringMatching(reason) });

  it('refuses an expired token', async () => {
    const token = await mintLocalToken({ privateKey: keys.privateKey, role: 'admin', sub: 'a-1', expiresInSeconds: 60, now });

    await expect(verifying(token, inAnHour)).rejects.toThrow(refusal(/^token expired$/));
  });

  it('refuses a token without exp', async () => {
    await expect(verifying(signed({ exp: null }))).rejects.toThrow(refusal(/exp claim/));
  });

  it('refuses a token from another issuer', async () => {
    await expect(verifying(signed({ iss: 'https://cognito-idp.us-east-1.amazonaws.com/other' }))).rejects.toThrow(refusal(/iss claim/));
  });

  it('refuses a token for another audience', async () => {
    await expect(verifying(signed({ aud: 'another-api' }))).rejects.toThrow(refusal(/aud claim/));
  });

  it('refuses alg none', async () => {
    const token = new UnsecuredJWT(claims).setSubject('pr-1').setIssuer(LOCAL_TOKEN_ISSUER).setAudience(LOCAL_TOKEN_AUDIENCE).setIssuedAt().setExpirationTime('10m').encode();

    await expect(verifying(token)).rejects.toThrow(refusal(/algorithm is not EdDSA/));
  });

  it('refuses another algorithm (ES256)', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).setSubject('pr-1').setIssuer(LOCAL_TOKEN_ISSUER).setAudience(LOCAL_TOKEN_AUDIENCE).setIssuedAt().setExpirationTime('10m').sign(privateKey);

    await expect(verifying(token)).rejects.toThrow(refusal(/algorithm is not EdDSA/));
  });

  it.each([
    ['PEM text', () => keys.publicKey.export({ format: 'pem', type: 'spki' })],
    ['DER bytes', () => keys.publicKey.export({ format: 'der', type: 'spki' })],
  ])('refuses HS256 keyed with the public key as %s', async (_form, publicKeyBytes) => {
    const secret = new Uint8Array(Buffer.from(publicKeyBytes()));
    const token = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('pr-1').setIssuer(LOCAL_TOKEN_ISSUER).setAudience(LOCAL_TOKEN_AUDIENCE).setIssuedAt(now).setExpirationTime(inAnHour).sign(secret);

    await expect(verifying(token)).rejects.toThrow(refusal(/algorithm is not EdDSA/));
  });

  it('refuses a token signed by another Ed25519 key', async () => {
    const other = await openLocalTokenKeys({ dataDir: aDataDir() });
    const token = await mintLocalToken({ privateKey: other.privateKey, role: 'admin', sub: 'a-1', now });

    await expect(verifying(token)).rejects.toThrow(refusal(/signature does not verify/));
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const [header, , signature] = (await mintLocalToken({ privateKey: keys.privateKey, role: 'auditor', sub: 'au-1', now })).split('.');
    const elevated = Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['admin'], sub: 'au-1', iss: LOCAL_TOKEN_ISSUER, aud: LOCAL_TOKEN_AUDIENCE, iat: 1, exp: 4e9 })).toString('base64url');

    await expect(verifying(`${header}.${elevated}.${signature}`)).rejects.toThrow(refusal(/signature does not verify/));
  });

  it('refuses something that is not a JWT', async () => {
    await expect(verifying('not.a.jwt')).rejects.toThrow(refusal(/malformed/));
  });
});

describe('local tokens: the key file', () => {
  it('is created on first use with mode 0600 in a 0700 directory', async () => {
    const dataDir = aDataDir();

    await openLocalTokenKeys({ dataDir });

    expect((await stat(tokenKeyFile(dataDir))).mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect(await readFile(tokenKeyFile(dataDir), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('is reused, so tokens minted before a restart still verify', async () => {
    const dataDir = aDataDir();
    const before = await openLocalTokenKeys({ dataDir });
    const token = await mintLocalToken({ privateKey: before.privateKey, role: 'admin', sub: 'a-1', now });

    const after = await openLocalTokenKeys({ dataDir });

    await expect(verifyLocalToken(token, { publicKey: after.publicKey, now })).resolves.toMatchObject({ sub: 'a-1' });
  });

  it('gives racing openers one and the same key', async () => {
    const dataDir = aDataDir();

    const opened = await Promise.all(Array.from({ length: 6 }, () => openLocalTokenKeys({ dataDir })));

    const publicKeys = new Set(opened.map(({ publicKey }) => publicKey.export({ format: 'pem', type: 'spki' }).toString()));
    expect(publicKeys.size).toBe(1);
  });

  it('is refused when others can read it', async () => {
    const dataDir = aDataDir();
    await openLocalTokenKeys({ dataDir });
    await chmod(tokenKeyFile(dataDir), 0o644);

    await expect(openLocalTokenKeys({ dataDir })).rejects.toThrow(/readable by others \(mode 644\)/);
  });
});
