import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileNotificationChannel } from '../../shared/adapters/file-notification-channel.ts';
import { aMessage } from './fixtures.ts';

describe('FileNotificationChannel', () => {
  const dirs: string[] = [];
  const aDataDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chartproof-notifications-'));
    dirs.push(dir);
    return join(dir, 'data');
  };

  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('appends one JSON line per notification to notifications.jsonl in the data directory', async () => {
    const dataDir = await aDataDir();
    const channel = new FileNotificationChannel({ dataDir, print: () => {} });
    const [first, second] = [aMessage(), aMessage()];

    await channel.forType('email').send({ address: 'pat@example.org', message: first });
    await channel.forType('sms').send({ address: '+14155550123', message: second });

    const lines = (await readFile(join(dataDir, 'notifications.jsonl'), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { channel: 'email', address: 'pat@example.org', ...first },
      { channel: 'sms', address: '+14155550123', ...second },
    ]);
  });

  it('prints a one-line summary', async () => {
    const printed: string[] = [];
    const channel = new FileNotificationChannel({ dataDir: await aDataDir(), print: (line) => printed.push(line) });
    const message = aMessage();

    await channel.forType('webhook').send({ address: 'https://hooks.example.org/', message });

    expect(printed).toEqual([`notification access.break-glass via webhook to https://hooks.example.org/: ${message.subject}`]);
  });
});
