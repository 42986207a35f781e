/**
 * EventPublisher over EventBridge PutEvents (ARCHITECTURE.md D4).
 *
 * PutEvents takes at most 10 entries and 256 KB per call, and can accept some entries while
 * refusing others: the response's FailedEntryCount says how many, and Entries[i] (in request order)
 * carries ErrorCode for each refused one. So entries are packed into batches within both limits,
 * and only the refused entries (or a whole batch whose call threw) are retried, with exponential
 * backoff, for at most `maxAttempts` calls. Whatever is still refused then is reported per event;
 * the outbox keeps those for the relay.
 */
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type DomainEvent } from '../events/domain-event.ts';
import type { EventPublisher, PublishFailure, PublishOutcome } from '../ports/event-publisher.ts';

/** PutEvents limits (EventBridge quotas). */
export const MAX_ENTRIES_PER_CALL = 10;
export const MAX_BYTES_PER_CALL = 256 * 1024;
// EventBridge counts a present Time as 14 bytes.
const TIME_BYTES = 14;

export type EventBridgePublisherOptions = {
  client: Pick<EventBridgeClient, 'send'>;
  /** Bus name or ARN. */
  eventBusName: string;
  /** Calls per entry, first one included. Default 4. Requires >= 1. */
  maxAttempts?: number;
  /** Delay before the first retry; doubles for each later one. Default 100 ms. */
  baseDelayMs?: number;
  /** Default 5 s. */
  maxDelayMs?: number;
  /** Injected so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
};

type Pending = { event: DomainEvent; entry: PutEventsRequestEntry; size: number; lastError: string };

export class EventBridgePublisher implements EventPublisher {
  readonly #client: Pick<EventBridgeClient, 'send'>;
  readonly #eventBusName: string;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: EventBridgePublisherOptions) {
    const maxAttempts = options.maxAttempts ?? 4;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts ${maxAttempts}, want an integer >= 1`);
    this.#client = options.client;
    this.#eventBusName = options.eventBusName;
    this.#maxAttempts = maxAttempts;
    this.#baseDelayMs = options.baseDelayMs ?? 100;
    this.#maxDelayMs = options.maxDelayMs ?? 5000;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async publish(events: readonly DomainEvent[]): Promise<PublishOutcome> {
    const published: string[] = [];
    const failed: PublishFailure[] = [];
    let pending: Pending[] = [];
    for (const event of events) {
      const entry = this.#entryFor(event);
      const size = entrySize(entry);
      if (size > MAX_BYTES_PER_CALL) failed.push({ id: event.id, reason: `entry is ${size} bytes, want <= ${MAX_BYTES_PER_CALL}` });
      else pending.push({ event, entry, size, lastError: '' });
    }
    for (let attempt = 1; attempt <= this.#maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) await this.#sleep(Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 2)));
      const refused: Pending[] = [];
      for (const batch of batches(pending)) {
        const outcome = await this.#put(batch);
        published.push(...outcome.accepted.map((item) => item.event.id));
        refused.push(...outcome.refused);
      }
      pending = refused;
    }
    failed.push(...pending.map((item) => ({ id: item.event.id, reason: `${item.lastError} (after ${this.#maxAttempts} attempts)` })));
    return { published, failed };
  }

  #entryFor(event: DomainEvent): PutEventsRequestEntry {
    return { Source: EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event), Time: new Date(event.at), EventBusName: this.#eventBusName };
  }

  async #put(batch: Pending[]): Promise<{ accepted: Pending[]; refused: Pending[] }> {
    let results;
    try {
      const response = await this.#client.send(new PutEventsCommand({ Entries: batch.map((item) => item.entry) }));
      results = response.Entries ?? [];
      if ((response.FailedEntryCount ?? 0) === 0 && results.length === batch.length) return { accepted: batch, refused: [] };
    } catch (error) {
      const reason = `PutEvents failed: ${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`;
      for (const item of batch) item.lastError = reason;
      return { accepted: [], refused: batch };
    }
    const accepted: Pending[] = [];
    const refused: Pending[] = [];
    batch.forEach((item, i) => {
      const result = results[i];
      if (result?.EventId && !result.ErrorCode) {
        accepted.push(item);
      } else {
        item.lastError = result === undefined ? 'PutEvents returned no result for the entry' : `${result.ErrorCode ?? 'NoEventId'}: ${result.ErrorMessage ?? ''}`.trim();
        refused.push(item);
      }
    });
    return { accepted, refused };
  }
}

/** The entry's size as EventBridge counts it against the 256 KB call limit. */
export function entrySize(entry: PutEventsRequestEntry): number {
  const utf8 = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));
  return (
    (entry.Time ? TIME_BYTES : 0) +
    utf8(entry.Source) +
    utf8(entry.DetailType) +
    utf8(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + utf8(resource), 0)
  );
}

/** Packs items in order into batches of at most 10 entries and 256 KB. Requires each item's size <= 256 KB. */
function batches(items: readonly Pending[]): Pending[][] {
  const result: Pending[][] = [];
  let current: Pending[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length === MAX_ENTRIES_PER_CALL || bytes + item.size > MAX_BYTES_PER_CALL) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.size;
  }
  if (current.length > 0) result.push(current);
  return result;
}
