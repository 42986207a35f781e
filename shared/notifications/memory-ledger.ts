/**
 * A NotificationLedger in memory, for tests. Not durable: a restart forgets what was sent, so it
 * must not back a notifier (the local server and AWS use the SQL ledger).
 */
import { deliveryKey, type Delivery, type NotificationLedger } from '../ports/notifications.ts';
import type { CoalescingWindow } from './coalesce.ts';

export class MemoryNotificationLedger implements NotificationLedger {
  readonly #seen = new Set<string>();
  readonly #delivered = new Set<string>();
  readonly #windows = new Map<string, CoalescingWindow>();

  async seen(eventIds: readonly string[]): Promise<Set<string>> {
    return new Set(eventIds.filter((id) => this.#seen.has(id)));
  }

  async markSeen(eventIds: readonly string[]): Promise<void> {
    for (const id of eventIds) this.#seen.add(id);
  }

  async delivered(deliveries: readonly Delivery[]): Promise<Set<string>> {
    return new Set(deliveries.map(deliveryKey).filter((key) => this.#delivered.has(key)));
  }

  async markDelivered(delivery: Delivery): Promise<void> {
    this.#delivered.add(deliveryKey(delivery));
  }

  async windows(keys: readonly string[]): Promise<Map<string, CoalescingWindow>> {
    return new Map(keys.flatMap((key) => (this.#windows.has(key) ? [[key, this.#windows.get(key) as CoalescingWindow] as const] : [])));
  }

  async saveWindows(windows: ReadonlyMap<string, CoalescingWindow>): Promise<void> {
    for (const [key, window] of windows) this.#windows.set(key, window);
  }
}
