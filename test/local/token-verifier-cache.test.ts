import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidTokenError, localTokenVerifier, mintLocalToken, openLocalTokenKeys } from '../../functions/local/tokens.ts';
import { VerifiedTokenCache } from '../../functions/local/verified-token-cache.ts';

const scratch = await mkdtemp(join(tmpdir(), 'chartproof-token-cache-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));
const dataDir = join(scratch, 'data');
const keys = await openLocalTokenKeys({ dataDir });
const minted = new Date('2025-06-01T12:00:00Z');
const at = (secondsAfterMinting: number) => new Date(minted.getTime() + secondsAfterMinting * 1000);

/** The local server's verifier with a clock the test moves. */
async function verifierAt(start: Date): Promise<{ verify: (token: string) => Promise<unknown>; move: (to: Date) => void }> {
  let clock = start;
  const verify = await localTokenVerifier({ dataDir, now: () => clock });
  return { verify, move: (to) => (clock = to) };
}

describe('local token verifier: the verified-token cache', () => {
  it('refuses a token it verified and cached once that token has expired', async () => {
    const token = await mintLocalToken({ privateKey: keys.privateKey, role: 'admin', sub: 'a-1', expiresInSeconds: 60, now: minted });
    const { verify, move } = await verifierAt(at(1));
    await verify(token);

    move(at(60 + 6)); // past exp and the 5 s clock tolerance

    await expect(verify(token)).rejects.toThrow(expect.objectContaining({ name: InvalidTokenError.name, message: 'token expired' }));
  });

  it('serves a cached token within its lifetime with the same claims', async () => {
    const token = await mintLocalToken({ privateKey: keys.privateKey, role: 'patient', sub: 'pa-1', patientId: 'p-1', expiresInSeconds: 60, now: minted });
    const { verify, move } = await verifierAt(at(1));
    const first = await verify(token);

    move(at(30));

    expect(await verify(token)).toEqual(first);
  });

  it('refuses a token that differs from a cached one only in its signature', async () => {
    const token = await mintLocalToken({ privateKey: keys.privateKey, role: 'admin', sub: 'a-1', now: minted });
    const { verify } = await verifierAt(at(1));
    await verify(token);
    const [header, payload, signature = ''] = token.split('.');
    const altered = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;

    await expect(verify(altered)).rejects.toThrow(InvalidTokenError);
  });

  it('serves cached claims that no caller can change', async () => {
    const token = await mintLocalToken({ privateKey: keys.privateKey, role: 'practitioner', sub: 'pr-1', now: minted });
    const { verify } = await verifierAt(at(1));
    await verify(token);
    const cached = (await verify(token)) as { 'cognito:groups': string[] };

    expect(() => cached['cognito:groups'].push('admin')).toThrow(TypeError);
  });
});

describe('VerifiedTokenCache', () => {
  const claims = (exp: number, extra: Record<string, unknown> = {}) => ({ sub: 's', exp, ...extra });

  it('keeps at most maxEntries tokens, dropping the least recently used', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 2, clockToleranceSeconds: 0, nowSeconds: () => 100 });
    cache.set('a', claims(200));
    cache.set('b', claims(200));
    cache.get('a');

    cache.set('c', claims(200));

    expect([cache.get('a') !== undefined, cache.get('b') !== undefined, cache.get('c') !== undefined]).toEqual([true, false, true]);
  });

  it('does not serve a token before its nbf', () => {
    let now = 100;
    const cache = new VerifiedTokenCache({ maxEntries: 8, clockToleranceSeconds: 5, nowSeconds: () => now });
    cache.set('t', claims(200, { nbf: 100 }));

    now = 90;

    expect(cache.get('t')).toBeUndefined();
  });

  it('does not keep a token without a numeric exp', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 8, clockToleranceSeconds: 5, nowSeconds: () => 100 });

    cache.set('t', { sub: 's' });

    expect(cache.size).toBe(0);
  });
});
