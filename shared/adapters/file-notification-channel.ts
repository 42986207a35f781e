/**
 * Local-mode notifications (ARCHITECTURE.md D7): each alert is appended as one JSON line to
 * `notifications.jsonl` in the data directory and summed up in one printed line, so a developer
 * sees alerts without an email or SMS provider.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NotificationMessage } from '../notifications/message.ts';
import type { NotificationChannelType } from '../notifications/preferences.ts';
import type { NotificationSender } from '../ports/notifications.ts';

export const NOTIFICATIONS_FILE = 'notifications.jsonl';

export type FileNotificationChannelOptions = {
  dataDir: string;
  /** Default console.log. */
  print?: (line: string) => void;
};

export class FileNotificationChannel {
  readonly #path: string;
  readonly #dataDir: string;
  readonly #print: (line: string) => void;

  constructor(options: FileNotificationChannelOptions) {
    this.#dataDir = options.dataDir;
    this.#path = join(options.dataDir, NOTIFICATIONS_FILE);
    this.#print = options.print ?? ((line) => console.log(line));
  }

  /** The sender standing in for channels of `type`. */
  forType(type: NotificationChannelType): NotificationSender {
    return { send: (input) => this.#append(type, input) };
  }

  async #append(channel: NotificationChannelType, input: { address: string; message: NotificationMessage }): Promise<void> {
    await mkdir(this.#dataDir, { recursive: true });
    const record = { channel, address: input.address, ...input.message };
    // One appendFile call per line: O_APPEND writes of one line do not interleave between writers.
    await appendFile(this.#path, `${JSON.stringify(record)}\n`, 'utf8');
    this.#print(`notification ${input.message.kind} via ${channel} to ${input.address}: ${input.message.subject}`);
  }
}
