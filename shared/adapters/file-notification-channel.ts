/**
 * Local-mode notifications (ARCHITECTURE.md D7): each alert is appended as one JSON line to
 * `notifications.jsonl` in the data directory and summed up in one printed line, so a developer
 * sees alerts without an email or SMS provider.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
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
  // Opened once, in append mode, on the first line: opening the file for every line cost more than writing it.
  #file: Promise<FileHandle> | undefined;

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
    const record = { channel, address: input.address, ...input.message };
    // One write per line on an O_APPEND handle: lines from several writers do not interleave.
    await (await this.#handle()).write(`${JSON.stringify(record)}\n`, null, 'utf8');
    this.#print(`notification ${input.message.kind} via ${channel} to ${input.address}: ${input.message.subject}`);
  }

  #handle(): Promise<FileHandle> {
    this.#file ??= mkdir(this.#dataDir, { recursive: true }).then(() => open(this.#path, 'a'));
    // A failed open is not kept: the next line tries again.
    this.#file.catch(() => (this.#file = undefined));
    return this.#file;
  }

  /** Closes the file; a later line opens it again. */
  async close(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    await (await file?.catch(() => undefined))?.close();
  }
}
