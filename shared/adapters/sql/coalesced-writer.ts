type Pending<Item> = { readonly items: readonly Item[]; readonly resolve: () => void; readonly reject: (error: unknown) => void };

/**
 * Coalesces writes that many concurrent callers make into few statements: a caller that finds no
 * batch in flight starts one with everything queued so far; callers arriving meanwhile wait and go
 * in the next batch together. One caller alone pays one round trip, as before; thirty-two at once
 * pay a handful, and the database commits (and flushes its WAL) a handful of times, not 32.
 *
 * Each caller's promise settles with its own batch: resolved once the batch is written, rejected
 * with the batch's error otherwise. Requires `writeBatch` to be safe to apply to a mix of
 * independent callers' items (e.g. one UPDATE over unnest(...) arrays).
 */
export class CoalescedWriter<Item> {
  readonly #writeBatch: (items: readonly Item[]) => Promise<void>;
  #queued: Pending<Item>[] = [];
  #writing = false;

  constructor(writeBatch: (items: readonly Item[]) => Promise<void>) {
    this.#writeBatch = writeBatch;
  }

  write(items: readonly Item[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#queued.push({ items, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queued.length > 0) {
        const batch = this.#queued;
        this.#queued = [];
        try {
          await this.#writeBatch(batch.flatMap((pending) => pending.items));
          for (const pending of batch) pending.resolve();
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }
}
