/**
 * The notifier use case (ARCHITECTURE.md D5): a batch of domain events in (an SQS batch, a relay
 * batch), alerts out on each patient's channels, with one outcome per event so the Lambda can
 * report SQS partial batch failures. A batch costs a few reads and writes in all (plus one write
 * per message sent), not a few per event.
 *
 * Idempotent by event id, in this order (each step durable before the next):
 * 1. a seen event is a duplicate and sends nothing (so is a second copy within the batch);
 * 2. the batch's coalescing windows are stored before anything is sent (a suppressed event only counts);
 * 3. each channel's confirmed delivery is recorded as soon as it is confirmed, and a redelivery
 *    skips confirmed channels;
 * 4. events are marked seen only when every channel confirmed.
 * A failure at any step leaves the event unseen, so it is redelivered and only what is missing runs.
 *
 * Events older than NOTIFIER_MAX_EVENT_AGE_MS are dropped unsent ('expired'): an alert a month late
 * helps nobody, and it is what lets the ledger forget: its rows go after
 * NOTIFIER_LEDGER_RETENTION_MS, when any copy of their event that could still come (from the
 * dead-letter queue, an archive replay, the relay) is dropped here whatever the ledger says.
 */
import { DomainEventSchema, type DomainEvent } from '../events/domain-event.ts';
import { deliveryKey, type Delivery, type NotificationLedger, type NotificationSender, type PreferencesLookup } from '../ports/notifications.ts';
import { coalescingKey, decide, isNotifiable, type CoalescingWindow } from './coalesce.ts';
import { composeMessage, type MessageConfig, type NotificationMessage } from './message.ts';
import type { NotificationChannel, NotificationChannelType, NotificationPreferences } from './preferences.ts';

/** Events older than this are dropped unsent. */
export const NOTIFIER_MAX_EVENT_AGE_MS = 30 * 24 * 3_600_000;

/**
 * Seen events and confirmed deliveries are kept this long: past the maximum event age, with a
 * day's margin for clocks. The database refuses to prune younger rows (migration 53).
 */
export const NOTIFIER_LEDGER_RETENTION_MS = NOTIFIER_MAX_EVENT_AGE_MS + 24 * 3_600_000;

export type NotifierDeps = {
  preferences: PreferencesLookup;
  ledger: NotificationLedger;
  channels: Partial<Record<NotificationChannelType, NotificationSender>>;
  /** Epoch milliseconds. */
  clock: () => number;
  message: MessageConfig;
  windowMs?: number;
  digestWindowMs?: number;
};

export type ChannelFailure = { readonly channel: NotificationChannelType; readonly reason: string };

export type NotifyOutcome = {
  readonly eventId: string;
  /** `failed` is the only status to retry. */
  readonly status: 'sent' | 'coalesced' | 'duplicate' | 'skipped' | 'expired' | 'failed';
  readonly failures: ChannelFailure[];
};

/** Handles `events` in order; resolves with one outcome per event, in the same order. Rejects only when the ledger or the preferences cannot be read or written (retry the whole batch). */
export type Notify = (events: readonly DomainEvent[]) => Promise<NotifyOutcome[]>;

type Sending = { readonly position: number; readonly event: DomainEvent; readonly message: NotificationMessage; readonly channels: readonly NotificationChannel[] };

export function makeNotify(deps: NotifierDeps): Notify {
  const { ledger } = deps;

  return async (events) => {
    // By position: the same event may come twice in one batch (a redelivery), the second a duplicate.
    // Every event still current starts as 'failed' until it is handled.
    const oldest = deps.clock() - NOTIFIER_MAX_EVENT_AGE_MS;
    const status: NotifyOutcome['status'][] = events.map((event) => (Date.parse(event.at) < oldest ? 'expired' : 'failed'));
    const failures: ChannelFailure[][] = events.map(() => []);
    const current = [...events.keys()].filter((position) => status[position] !== 'expired');
    const seen = await ledger.seen(unique(current.map((position) => (events[position] as DomainEvent).id)));
    const fresh: number[] = [];
    const inBatch = new Set<string>();
    for (const position of current) {
      const event = events[position] as DomainEvent;
      if (seen.has(event.id) || inBatch.has(event.id)) status[position] = 'duplicate';
      else fresh.push(position);
      inBatch.add(event.id);
    }

    const notifiable = fresh.map((position) => events[position] as DomainEvent).filter(isNotifiable);
    const preferences = notifiable.length === 0 ? new Map<string, NotificationPreferences>() : await deps.preferences.preferencesOf(unique(notifiable.map((event) => event.patientId)));
    const alerted: { position: number; event: DomainEvent; preferences: NotificationPreferences }[] = [];
    for (const position of fresh) {
      const event = events[position] as DomainEvent;
      const chosen = isNotifiable(event) ? preferences.get(event.patientId) : undefined;
      if (chosen === undefined || chosen.channels.length === 0) status[position] = 'skipped';
      else alerted.push({ position, event, preferences: chosen });
    }

    // Decide in order, each decision seeing the windows the earlier ones left.
    const keys = alerted.map(({ event, preferences: chosen }) => coalescingKey(event, chosen.mode));
    const windows = keys.length === 0 ? new Map<string, CoalescingWindow>() : await ledger.windows(unique(keys));
    const changed = new Map<string, CoalescingWindow>();
    const sendings: Sending[] = [];
    alerted.forEach(({ position, event, preferences: chosen }, index) => {
      const key = keys[index] as string;
      const decision = decide({ event, mode: chosen.mode, now: deps.clock(), window: windows.get(key), windowMs: deps.windowMs, digestWindowMs: deps.digestWindowMs });
      if (decision.window !== undefined) {
        windows.set(key, decision.window);
        changed.set(key, decision.window);
      }
      if (decision.send) sendings.push({ position, event, channels: chosen.channels, message: composeMessage({ event, coalescedBefore: decision.coalescedBefore, config: deps.message }) });
      else status[position] = 'coalesced';
    });
    if (changed.size > 0) await ledger.saveWindows(changed);

    const deliveries = sendings.flatMap(({ event, channels }) => channels.map((channel): Delivery => ({ eventId: event.id, channelKey: channelKeyOf(channel) })));
    const confirmed = deliveries.length === 0 ? new Set<string>() : await ledger.delivered(deliveries);
    for (const { position, event, message, channels } of sendings) {
      const failed: ChannelFailure[] = [];
      for (const channel of channels) {
        const delivery = { eventId: event.id, channelKey: channelKeyOf(channel) };
        if (confirmed.has(deliveryKey(delivery))) continue;
        const sender = deps.channels[channel.type];
        try {
          if (sender === undefined) throw new Error(`no ${channel.type} channel is configured`);
          await sender.send({ address: channel.address, message });
        } catch (error) {
          // The reason goes to logs: the error's name and message, never the address.
          failed.push({ channel: channel.type, reason: `${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}` });
          continue;
        }
        await ledger.markDelivered(delivery);
      }
      status[position] = failed.length > 0 ? 'failed' : 'sent';
      failures[position] = failed;
    }

    const finished = fresh.filter((position) => status[position] !== 'failed').map((position) => (events[position] as DomainEvent).id);
    if (finished.length > 0) await ledger.markSeen(finished);
    return events.map((event, position) => ({ eventId: event.id, status: status[position] as NotifyOutcome['status'], failures: failures[position] as ChannelFailure[] }));
  };
}

function channelKeyOf(channel: NotificationChannel): string {
  return `${channel.type}:${channel.address}`;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/**
 * Runs `notify` over a batch of queue messages (each body an EventBridge envelope or a bare
 * detail) and returns the ids of the items to retry, for an SQS partial batch response. A body
 * that is not a valid event is retried too, so that it ends in the dead-letter queue for a person
 * to look at rather than vanishing. If `notify` rejects (the ledger is unreachable), every valid
 * item is retried.
 */
export async function notifyBatch(
  notify: Notify,
  items: readonly { itemId: string; body: string }[],
): Promise<{ outcomes: (NotifyOutcome | { itemId: string; status: 'invalid'; reason: string })[]; retryItemIds: string[] }> {
  type Outcome = NotifyOutcome | { itemId: string; status: 'invalid'; reason: string };
  const outcomes: Outcome[] = [];
  const retry: boolean[] = [];
  const valid: { position: number; event: DomainEvent }[] = [];
  items.forEach((item, position) => {
    const event = eventFromBody(item.body);
    if (event.ok) valid.push({ position, event: event.event });
    else {
      outcomes[position] = { itemId: item.itemId, status: 'invalid', reason: event.reason };
      retry[position] = true;
    }
  });
  if (valid.length > 0) {
    try {
      const results = await notify(valid.map((item) => item.event));
      results.forEach((result, index) => {
        const { position } = valid[index] as { position: number };
        outcomes[position] = result;
        retry[position] = result.status === 'failed';
      });
    } catch (error) {
      for (const { position } of valid) {
        outcomes[position] = { itemId: (items[position] as { itemId: string }).itemId, status: 'invalid', reason: `notify threw ${(error as Error)?.name ?? 'Error'}` };
        retry[position] = true;
      }
    }
  }
  return { outcomes, retryItemIds: items.filter((_, position) => retry[position] === true).map((item) => item.itemId) };
}

function eventFromBody(body: string): { ok: true; event: DomainEvent } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const detail = typeof value === 'object' && value !== null && 'detail' in value ? (value as { detail: unknown }).detail : value;
  const parsed = DomainEventSchema.safeParse(detail);
  return parsed.success ? { ok: true, event: parsed.data } : { ok: false, reason: `not a domain event: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
}
