/**
 * The writer's side of the outbox (ARCHITECTURE.md D4): after a journal write commits, its events
 * are published at once, off the request's path. Entries handed in while a delivery runs wait for
 * it and then go together, so a burst of requests makes a few publish calls, not one each.
 *
 * Nothing here is needed for correctness: an item this misses (its delivery failed, the process
 * died) is still in the outbox, and the relay publishes it after the grace period.
 */
import { deliverOutboxItems, type OutboxDeliveryDeps } from './outbox-delivery.ts';

export type JournaledEntry = { readonly index: number; readonly entry: Uint8Array };

export type OutboxDispatcherOptions = OutboxDeliveryDeps & {
  /** Told about a delivery that threw (the outbox was unreachable); must not throw. */
  readonly onError: (error: unknown) => void;
  /** Items per delivery. Default 500. */
  readonly maxBatch?: number;
  /**
   * How long a delivery waits for more entries before it starts; default 0 (the next turn of the
   * event loop). A few milliseconds turn a stream of single writes into batches, so the work after
   * commit (deriving, publishing, marking) costs a few statements per batch rather than per write,
   * where the database and the requests share one process (the local server).
   */
  readonly lingerMs?: number;
};

export class OutboxDispatcher {
  readonly #options: OutboxDispatcherOptions;
  readonly #maxBatch: number;
  readonly #lingerMs: number;
  #pending: JournaledEntry[] = [];
  #running: Promise<void> | undefined;

  constructor(options: OutboxDispatcherOptions) {
    this.#options = options;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#lingerMs = options.lingerMs ?? 0;
  }

  /** Queues the events of `journaled` (just committed) for publication. Never throws, never waits. */
  dispatch(journaled: readonly JournaledEntry[]): void {
    if (journaled.length === 0) return;
    this.#pending.push(...journaled);
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves once everything dispatched so far has been delivered or left to the relay. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async #drain(): Promise<void> {
    // Let the request that dispatched finish first, and let its concurrent peers add to this batch.
    await new Promise((resolve) => (this.#lingerMs > 0 ? setTimeout(resolve, this.#lingerMs) : setImmediate(resolve)));
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      try {
        await deliverOutboxItems(this.#options, batch.map((item) => ({ ...item, attempts: 0 })));
      } catch (error) {
        this.#options.onError(error);
      }
    }
  }
}
