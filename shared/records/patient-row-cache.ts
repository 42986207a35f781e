/**
 * Registered patients as record writes need them (the wrapped key), kept in memory for a bounded
 * time so that a burst of writes for one patient costs one lookup.
 *
 * A stale entry is harmless for writes: the insert of a version checks, in its own transaction and
 * under a lock, that the patient is still registered and not erased (see RecordsTransaction
 * .insertRecordVersion), so a cached row can never let a write land after an erasure. Reads do not
 * use this cache: they look the patient up with the record.
 */
import type { PatientRow } from '../ports/records-projection.ts';

export type PatientRowCacheOptions = {
  /** Milliseconds since some fixed point; injected so tests control time. */
  readonly now: () => number;
  /** How long a row is served after it was read. Requires > 0. */
  readonly maxAgeMs: number;
  /** How many rows are held at once; the least recently used goes first. Requires an integer >= 1. */
  readonly maxEntries: number;
};

export class PatientRowCache {
  readonly #options: PatientRowCacheOptions;
  // Map order is recency order.
  readonly #rows = new Map<string, { row: PatientRow; readAt: number }>();

  constructor(options: PatientRowCacheOptions) {
    if (!(options.maxAgeMs > 0)) throw new RangeError(`maxAgeMs is ${options.maxAgeMs}, want > 0`);
    if (!(Number.isSafeInteger(options.maxEntries) && options.maxEntries >= 1)) {
      throw new RangeError(`maxEntries is ${options.maxEntries}, want an integer >= 1`);
    }
    this.#options = options;
  }

  /** The cached row if fresh, else `load`'s, which is cached when the patient exists and is not erased. */
  async get(patientId: string, load: (patientId: string) => Promise<PatientRow | undefined>): Promise<PatientRow | undefined> {
    const cached = this.#rows.get(patientId);
    if (cached !== undefined) {
      this.#rows.delete(patientId);
      if (this.#options.now() - cached.readAt < this.#options.maxAgeMs) {
        this.#rows.set(patientId, cached);
        return cached.row;
      }
    }
    const readAt = this.#options.now();
    const row = await load(patientId);
    if (row !== undefined && row.erasedAt === undefined && row.wrappedKey !== undefined) {
      this.#rows.set(patientId, { row, readAt });
      for (const oldest of this.#rows.keys()) {
        if (this.#rows.size <= this.#options.maxEntries) break;
        this.#rows.delete(oldest);
      }
    }
    return row;
  }

  /** Forgets a patient at once, e.g. on erasure. */
  evict(patientId: string): void {
    this.#rows.delete(patientId);
  }

  get size(): number {
    return this.#rows.size;
  }
}
