/**
 * The notifier use case (ARCHITECTURE.md D5): one domain event in, alerts out on the patient's
 * channels, with one outcome per event so the Lambda can report SQS partial batch failures.
 *
 * Idempotent by event id, in this order (each step durable before the next):
 * 1. a seen event is a duplicate and sends nothing;
 * 2. the coalescing window is stored before anything is sent (a suppressed event only counts);
 * 3. each channel's confirmed delivery is recorded, and a redelivery skips confirmed channels;
 * 4. the event is marked seen only when every channel confirmed.
 * A failure at any step leaves the event unseen, so SQS redelivers it and only what is missing runs.
 */
import { DomainEventSchema, type DomainEvent } from '../events/domain-event.ts';
import type { NotificationLedger, NotificationSender, PreferencesLookup } from '../ports/notifications.ts';
import { coalescingKey, decide, isNotifiable } from './coalesce.ts';
import { composeMessage, type MessageConfig } from './message.ts';
import type { NotificationChannelType } from './preferences.ts';

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
  readonly status: 'sent' | 'coalesced' | 'duplicate' | 'skipped' | 'failed';
  readonly failures: ChannelFailure[];
};

export function makeNotify(deps: NotifierDeps): (event: DomainEvent) => Promise<NotifyOutcome> {
  const { ledger } = deps;
  const outcome = (event: DomainEvent, status: NotifyOutcome['status'], failures: ChannelFailure[] = []): NotifyOutcome => ({ eventId: event.id, status, failures });

  return async (event) => {
    if (await ledger.seen(event.id)) return outcome(event, 'duplicate');
    const preferences = isNotifiable(event) ? await deps.preferences.preferencesOf(event.patientId) : undefined;
    if (preferences === undefined || preferences.channels.length === 0) {
      await ledger.markSeen(event.id);
      return outcome(event, 'skipped');
    }

    const key = coalescingKey(event, preferences.mode);
    const decision = decide({ event, mode: preferences.mode, now: deps.clock(), window: await ledger.window(key), windowMs: deps.windowMs, digestWindowMs: deps.digestWindowMs });
    if (decision.window !== undefined) await ledger.saveWindow(key, decision.window);
    if (!decision.send) {
      await ledger.markSeen(event.id);
      return outcome(event, 'coalesced');
    }

    const message = composeMessage({ event, coalescedBefore: decision.coalescedBefore, config: deps.message });
    const failures: ChannelFailure[] = [];
    for (const channel of preferences.channels) {
      const channelKey = `${channel.type}:${channel.address}`;
      if (await ledger.delivered(event.id, channelKey)) continue;
      const sender = deps.channels[channel.type];
      try {
        if (sender === undefined) throw new Error(`no ${channel.type} channel is configured`);
        await sender.send({ address: channel.address, message });
        await ledger.markDelivered(event.id, channelKey);
      } catch (error) {
        // The reason goes to logs: the error's name and message, never the address.
        failures.push({ channel: channel.type, reason: `${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}` });
      }
    }
    if (failures.length > 0) return outcome(event, 'failed', failures);
    await ledger.markSeen(event.id);
    return outcome(event, 'sent');
  };
}

/**
 * Runs `notify` over a batch of queue messages (each body an EventBridge envelope or a bare
 * detail) and returns the ids of the items to retry, for an SQS partial batch response. A body
 * that is not a valid event is retried too, so that it ends in the dead-letter queue for a person
 * to look at rather than vanishing.
 */
export async function notifyBatch(
  notify: (event: DomainEvent) => Promise<NotifyOutcome>,
  items: readonly { itemId: string; body: string }[],
): Promise<{ outcomes: (NotifyOutcome | { itemId: string; status: 'invalid'; reason: string })[]; retryItemIds: string[] }> {
  const outcomes: (NotifyOutcome | { itemId: string; status: 'invalid'; reason: string })[] = [];
  const retryItemIds: string[] = [];
  for (const item of items) {
    const event = eventFromBody(item.body);
    if (!event.ok) {
      outcomes.push({ itemId: item.itemId, status: 'invalid', reason: event.reason });
      retryItemIds.push(item.itemId);
      continue;
    }
    try {
      const result = await notify(event.event);
      outcomes.push(result);
      if (result.status === 'failed') retryItemIds.push(item.itemId);
    } catch (error) {
      outcomes.push({ itemId: item.itemId, status: 'invalid', reason: `notify threw ${(error as Error)?.name ?? 'Error'}` });
      retryItemIds.push(item.itemId);
    }
  }
  return { outcomes, retryItemIds };
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
