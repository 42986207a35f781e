import { describe, expect, it } from 'vitest';
import { PatientKeyUnwrapError, type KeyVault, type PatientKey } from '../../shared/ports/key-vault.ts';
import { PatientKeyCache, type PatientKeyCacheOptions } from '../../shared/records/patient-key-cache.ts';

/** A vault whose "wrapping" is the identity, which counts its calls and remembers the keys it handed out. */
class CountingVault implements KeyVault {
  unwraps = 0;
  readonly handedOut: Uint8Array[] = [];
  failNext = false;

  async createPatientKey(patientId: string): Promise<PatientKey> {
    const plaintextKey = keyFor(patientId);
    return { plaintextKey, wrappedKey: Uint8Array.from(plaintextKey) };
  }

  async unwrapPatientKey(patientId: string, wrappedKey: Uint8Array): Promise<Uint8Array> {
    this.unwraps += 1;
    if (this.failNext) {
      this.failNext = false;
      throw new PatientKeyUnwrapError(patientId);
    }
    const key = Uint8Array.from(wrappedKey);
    this.handedOut.push(key);
    return key;
  }
}

const keyFor = (patientId: string): Uint8Array => new Uint8Array(32).fill(patientId.charCodeAt(patientId.length - 1));
const wrappedFor = keyFor;

function aCache(overrides: Partial<PatientKeyCacheOptions> = {}): { cache: PatientKeyCache; vault: CountingVault; clock: { now: number } } {
  const vault = new CountingVault();
  const clock = { now: 1_000 };
  const cache = new PatientKeyCache({ vault, now: () => clock.now, maxAgeMs: 60_000, maxUses: 100, maxEntries: 10, ...overrides });
  return { cache, vault, clock };
}

describe('PatientKeyCache', () => {
  it('returns the key the vault unwraps', async () => {
    const { cache } = aCache();

    const key = await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));

    expect(Buffer.from(key).equals(keyFor('patient-a'))).toBe(true);
  });

  it('calls the vault once for repeated unwraps within the bounds', async () => {
    const { cache, vault, clock } = aCache({ maxAgeMs: 60_000, maxUses: 5 });

    for (let use = 0; use < 5; use++) {
      await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));
      clock.now += 10_000;
    }

    expect(vault.unwraps).toBe(1);
  });

  it('calls the vault once for concurrent unwraps of one key', async () => {
    const { cache, vault } = aCache();

    await Promise.all(Array.from({ length: 8 }, () => cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'))));

    expect(vault.unwraps).toBe(1);
  });

  it('asks the vault again once maxAgeMs has passed', async () => {
    const { cache, vault, clock } = aCache({ maxAgeMs: 60_000 });
    await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));
    clock.now += 59_999;
    await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));
    expect(vault.unwraps).toBe(1);

    clock.now += 1;
    await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));

    expect(vault.unwraps).toBe(2);
  });

  it('asks the vault again after maxUses unwraps', async () => {
    const { cache, vault } = aCache({ maxUses: 3 });
    for (let use = 0; use < 3; use++) await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));
    expect(vault.unwraps).toBe(1);

    await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));

    expect(vault.unwraps).toBe(2);
  });

  it('zeroes the cached key when it expires, while the copies it handed out stay intact', async () => {
    const { cache, vault } = aCache({ maxUses: 2 });
    const first = await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));
    const second = await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));

    await Promise.resolve();

    expect(vault.handedOut[0]?.every((byte) => byte === 0)).toBe(true);
    expect(Buffer.from(first).equals(keyFor('patient-a'))).toBe(true);
    expect(Buffer.from(second).equals(keyFor('patient-a'))).toBe(true);
  });

  it('keeps at most maxEntries keys, dropping the least recently used', async () => {
    const { cache, vault } = aCache({ maxEntries: 2 });
    await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));
    await cache.unwrapPatientKey('patient-b', wrappedFor('patient-b'));
    await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));
    await cache.unwrapPatientKey('patient-c', wrappedFor('patient-c'));

    await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));
    await cache.unwrapPatientKey('patient-b', wrappedFor('patient-b'));

    expect(cache.size).toBe(2);
    expect(vault.unwraps).toBe(4);
  });

  it('does not serve a cached key for different wrapped bytes', async () => {
    const { cache, vault } = aCache();
    await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));

    const key = await cache.unwrapPatientKey('patient-a', wrappedFor('patient-z'));

    expect(vault.unwraps).toBe(2);
    expect(Buffer.from(key).equals(keyFor('patient-z'))).toBe(true);
  });

  it('does not cache a failed unwrap', async () => {
    const { cache, vault } = aCache();
    vault.failNext = true;
    await expect(cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'))).rejects.toThrow(PatientKeyUnwrapError);

    const key = await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));

    expect(vault.unwraps).toBe(2);
    expect(Buffer.from(key).equals(keyFor('patient-a'))).toBe(true);
  });

  it('serves a newly created key without an unwrap', async () => {
    const { cache, vault } = aCache();
    const { wrappedKey } = await cache.createPatientKey('patient-a');

    await cache.unwrapPatientKey('patient-a', wrappedKey);

    expect(vault.unwraps).toBe(0);
  });

  it('forgets an evicted patient, e.g. on erasure', async () => {
    const { cache, vault } = aCache();
    await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));

    cache.evict('patient-a');
    await cache.unwrapPatientKey('patient-a', wrappedFor('patient-a'));

    expect(vault.unwraps).toBe(2);
  });

  it('refuses bounds that are not positive', () => {
    const build = (): PatientKeyCache => aCache({ maxUses: 0 }).cache;

    expect(build).toThrow('maxUses is 0, want an integer >= 1');
  });
});
