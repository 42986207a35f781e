import { describe, expect, it } from 'vitest';
import type { PatientRow } from '../../shared/ports/records-projection.ts';
import { PatientRowCache } from '../../shared/records/patient-row-cache.ts';

const row = (patientId: string, erased = false): PatientRow => ({
  patientId,
  externalRef: undefined,
  wrappedKey: erased ? undefined : new Uint8Array([1]),
  registeredAt: '2025-01-01T00:00:00.000Z',
  erasedAt: erased ? '2025-01-02T00:00:00.000Z' : undefined,
  entry: { index: 0, leafHash: 'x' },
});

function counting(rows: Record<string, PatientRow | undefined>) {
  const loads: string[] = [];
  return { loads, load: async (patientId: string) => (loads.push(patientId), rows[patientId]) };
}

describe('PatientRowCache', () => {
  it('serves a fresh row without loading it again', async () => {
    const cache = new PatientRowCache({ now: () => 0, maxAgeMs: 1000, maxEntries: 10 });
    const { loads, load } = counting({ a: row('a') });

    await cache.get('a', load);
    await cache.get('a', load);

    expect(loads).toEqual(['a']);
  });

  it('loads again once the row is older than maxAgeMs', async () => {
    let now = 0;
    const cache = new PatientRowCache({ now: () => now, maxAgeMs: 1000, maxEntries: 10 });
    const { loads, load } = counting({ a: row('a') });
    await cache.get('a', load);
    now = 1000;

    await cache.get('a', load);

    expect(loads).toEqual(['a', 'a']);
  });

  it('never caches an unknown or erased patient', async () => {
    const cache = new PatientRowCache({ now: () => 0, maxAgeMs: 1000, maxEntries: 10 });
    const { loads, load } = counting({ erased: row('erased', true) });

    await cache.get('missing', load);
    await cache.get('missing', load);
    await cache.get('erased', load);
    await cache.get('erased', load);

    expect(loads).toEqual(['missing', 'missing', 'erased', 'erased']);
  });

  it('drops the least recently used row beyond maxEntries', async () => {
    const cache = new PatientRowCache({ now: () => 0, maxAgeMs: 1000, maxEntries: 2 });
    const { loads, load } = counting({ a: row('a'), b: row('b'), c: row('c') });
    await cache.get('a', load);
    await cache.get('b', load);
    await cache.get('a', load);
    await cache.get('c', load);

    await cache.get('b', load);

    expect(loads).toEqual(['a', 'b', 'c', 'b']);
  });

  it('forgets an evicted patient', async () => {
    const cache = new PatientRowCache({ now: () => 0, maxAgeMs: 1000, maxEntries: 10 });
    const { loads, load } = counting({ a: row('a') });
    await cache.get('a', load);

    cache.evict('a');
    await cache.get('a', load);

    expect(loads).toEqual(['a', 'a']);
  });
});
