/**
 * A NotificationLedger in memory, for the local server (one process) and tests. Not durable: a
 * restart forgets what was sent, so it must not back the AWS notifier.
 */
import type { NotificationLedger } from '../ports/notifications.ts';
import type { CoalescingWindow } from './coalesce.ts';

export class MemoryNotificationLedger implements NotificationLedger {
  readonly #seen = new Set<string>();
  readonly #delivered = new Set<string>();
  readonly #windows = new Map<string, CoalescingWindow>();

  async seen(eventId: string): Promise<boolean> {
    return this.#seen.has(eventId);
  }

  async markSeen(eventId: string): Promise<void> {
    this.#seen.add(eventId);
  }

  async delivered(eventId: string, channelKey: string): Promise<boolean> {
    return this.#delivered.has(JSON.stringify([eventId, channelKey]));
  }

  async markDelivered(eventId: string, channelKey: string): Promise<void> {
    this.#delivered.add(JSON.stringify([eventId, channelKey]));
  }

  async window(key: string): Promise<CoalescingWindow | undefined> {
    return this.#windows.get(key);
  }

  async saveWindow(key: string, window: CoalescingWindow): Promise<void> {
    this.#windows.set(key, window);
  }
}
