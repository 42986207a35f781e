import type { KeyVault, PatientKey } from '../ports/key-vault.ts';

export type PatientKeyCacheOptions = {
  /** The vault that really unwraps (KMS in AWS). */
  readonly vault: KeyVault;
  /** Milliseconds since some fixed point; injected so tests control time. */
  readonly now: () => number;
  /** How long an unwrapped key may be served after it was fetched. Requires > 0. */
  readonly maxAgeMs: number;
  /** How many unwraps one fetched key may serve. Requires an integer >= 1. */
  readonly maxUses: number;
  /** How many patients' keys may be held at once; the least recently used goes first. Requires an integer >= 1. */
  readonly maxEntries: number;
};

type Entry = {
  readonly wrappedKey: Uint8Array;
  readonly key: Promise<Uint8Array>;
  readonly fetchedAt: number;
  uses: number;
};

/**
 * A KeyVault that keeps unwrapped patient keys in memory for a bounded time and number of uses
 * (ARCHITECTURE.md D2), so a burst of reads costs one KMS Decrypt rather than one each, while a
 * key erased or revoked in KMS stops being usable within `maxAgeMs`.
 *
 * Callers always get their own copy of the key and may zero it; the cached bytes are zeroed when
 * their entry is evicted (best effort: the vault or the SDK may hold other copies). Concurrent
 * unwraps of the same patient's key share one vault call.
 */
export class PatientKeyCache implements KeyVault {
  readonly #options: PatientKeyCacheOptions;
  // Map order is recency order: a hit moves its entry to the end, eviction takes from the front.
  readonly #entries = new Map<string, Entry>();

  constructor(options: PatientKeyCacheOptions) {
    requirePositive('maxAgeMs', options.maxAgeMs, false);
    requirePositive('maxUses', options.maxUses, true);
    requirePositive('maxEntries', options.maxEntries, true);
    this.#options = options;
  }

  /** Creates the key in the vault and caches it, so the first write after creation needs no unwrap. */
  async createPatientKey(patientId: string): Promise<PatientKey> {
    const created = await this.#options.vault.createPatientKey(patientId);
    this.#insert(patientId, {
      wrappedKey: Uint8Array.from(created.wrappedKey),
      key: Promise.resolve(Uint8Array.from(created.plaintextKey)),
      fetchedAt: this.#options.now(),
      uses: 0,
    });
    return created;
  }

  /**
   * Serves the cached key when it was unwrapped from these exact wrapped bytes, is younger than
   * `maxAgeMs` and has uses left; otherwise asks the vault. Errors from the vault are not cached.
   */
  async unwrapPatientKey(patientId: string, wrappedKey: Uint8Array): Promise<Uint8Array> {
    const entry = this.#liveEntry(patientId, wrappedKey) ?? this.#fetch(patientId, wrappedKey);
    entry.uses += 1;
    // Take the copy before any eviction below can schedule the zeroing: promise reactions run
    // in the order they were registered, so this copy always sees the real key.
    const copy = entry.key.then((key) => Uint8Array.from(key));
    if (entry.uses >= this.#options.maxUses) this.#evict(patientId, entry);
    return copy;
  }

  /** Drops a patient's key now, e.g. when the patient is erased. */
  evict(patientId: string): void {
    const entry = this.#entries.get(patientId);
    if (entry) this.#evict(patientId, entry);
  }

  /** Drops every key. */
  clear(): void {
    for (const [patientId, entry] of this.#entries) this.#evict(patientId, entry);
  }

  /** Number of keys held; for tests and metrics. */
  get size(): number {
    return this.#entries.size;
  }

  #liveEntry(patientId: string, wrappedKey: Uint8Array): Entry | undefined {
    const entry = this.#entries.get(patientId);
    if (!entry) return undefined;
    const fresh = this.#options.now() - entry.fetchedAt < this.#options.maxAgeMs;
    // A different wrapped key for the same patient (a new key, or tampered bytes) must reach the vault.
    if (!fresh || !sameBytes(entry.wrappedKey, wrappedKey)) {
      this.#evict(patientId, entry);
      return undefined;
    }
    this.#entries.delete(patientId);
    this.#entries.set(patientId, entry);
    return entry;
  }

  #fetch(patientId: string, wrappedKey: Uint8Array): Entry {
    const entry: Entry = {
      wrappedKey: Uint8Array.from(wrappedKey),
      key: this.#options.vault.unwrapPatientKey(patientId, wrappedKey),
      fetchedAt: this.#options.now(),
      uses: 0,
    };
    entry.key.catch(() => {
      // The callers awaiting this entry see the error; later callers must try the vault again.
      if (this.#entries.get(patientId) === entry) this.#entries.delete(patientId);
    });
    this.#insert(patientId, entry);
    return entry;
  }

  #insert(patientId: string, entry: Entry): void {
    const previous = this.#entries.get(patientId);
    if (previous) this.#evict(patientId, previous);
    this.#entries.set(patientId, entry);
    for (const [oldestId, oldest] of this.#entries) {
      if (this.#entries.size <= this.#options.maxEntries) break;
      this.#evict(oldestId, oldest);
    }
  }

  #evict(patientId: string, entry: Entry): void {
    if (this.#entries.get(patientId) === entry) this.#entries.delete(patientId);
    entry.key.then(
      (key) => key.fill(0),
      () => undefined,
    );
  }
}

function requirePositive(name: string, value: number, integer: boolean): void {
  if (!(value > 0) || (integer && !Number.isSafeInteger(value))) {
    throw new RangeError(`${name} is ${value}, want ${integer ? 'an integer >= 1' : 'a number > 0'}`);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
