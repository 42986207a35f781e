import { describe, expect, it } from 'vitest';
import type { JobLog } from '../../functions/aws/job-handler.ts';
import { makeNotifierHandler } from '../../functions/jobs/notify.ts';
import type { DomainEvent } from '../../shared/events/domain-event.ts';
import { MemoryNotificationLedger } from '../../shared/notifications/memory-ledger.ts';
import type { NotificationMessage } from '../../shared/notifications/message.ts';
import { makeNotify } from '../../shared/notifications/notify.ts';
import { everyPatientChose } from '../notifications/fixtures.ts';
import type { NotificationSender } from '../../shared/ports/notifications.ts';
import { anEvent } from '../events/fixtures.ts';
import { sqsEvent } from './sqs-event.ts';

const EMAIL = 'pat@example.org';
const PHONE = '+14155550123';

/** Fails for the events whose ids are in `failFor`, with an error message that quotes the address (as SES does). */
class Sender implements NotificationSender {
  readonly sent: string[] = [];
  readonly failFor = new Set<string>();

  async send(input: { address: string; message: NotificationMessage }): Promise<void> {
    if (this.failFor.has(input.message.id)) throw Object.assign(new Error(`address ${input.address} refused`), { name: 'MessageRejected' });
    this.sent.push(input.message.id);
  }
}

function aJob(options: { throwFor?: string } = {}) {
  const email = new Sender();
  const sms = new Sender();
  const lines: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  const log: JobLog = {
    info: (message, attributes) => lines.push({ level: 'info', message, attributes }),
    warn: (message, attributes) => lines.push({ level: 'warn', message, attributes }),
  };
  const notify = makeNotify({
    preferences: everyPatientChose({ channels: [{ type: 'email', address: EMAIL }, { type: 'sms', address: PHONE }], mode: 'immediate' }),
    ledger: new MemoryNotificationLedger(),
    channels: { email, sms },
    clock: () => Date.parse('2026-11-25T01:00:00.000Z'),
    message: { accessLogBaseUrl: 'https://app.example.org' },
  });
  const handler = makeNotifierHandler({
    notify: async (events) => {
      if (events.some((event) => event.id === options.throwFor)) throw new Error('database unavailable');
      return notify(events);
    },
    log,
  });
  return { handler, email, sms, lines };
}

const envelope = (event: DomainEvent) => JSON.stringify({ version: '0', source: 'chartproof', 'detail-type': event.type, detail: event });

describe('notifier job handler', () => {
  it('reports exactly the failed and malformed messages as batch item failures', async () => {
    const { handler, email, sms } = aJob();
    const delivered = anEvent({ type: 'access.denied', actor: { id: 'dr-a', role: 'practitioner' } });
    const smsFails = anEvent({ type: 'access.break-glass', actor: { id: 'dr-b', role: 'practitioner' } });
    sms.failFor.add(smsFails.id);

    const response = await handler(
      sqsEvent([
        ['m-delivered', envelope(delivered)],
        ['m-sms-fails', envelope(smsFails)],
        ['m-not-json', '{"detail": '],
        ['m-not-an-event', JSON.stringify({ source: 'chartproof', detail: { v: 1, id: 'x', note: 'free text' } })],
        ['m-bare-detail', JSON.stringify(anEvent({ type: 'access.denied', actor: { id: 'dr-d', role: 'practitioner' } }))],
      ]),
    );

    expect({ response, emails: email.sent.length, sms: sms.sent.length }).toEqual({
      response: { batchItemFailures: [{ itemIdentifier: 'm-sms-fails' }, { itemIdentifier: 'm-not-json' }, { itemIdentifier: 'm-not-an-event' }] },
      // delivered, smsFails (its e-mail went out) and the bare detail
      emails: 3,
      sms: 2,
    });
  });

  it('retries every message of a batch whose notification could not run (the ledger was unreachable), and sends nothing', async () => {
    const { handler, email, sms } = aJob({ throwFor: '00000000-0000-4000-8000-000000000004' });
    const throws = anEvent({ id: '00000000-0000-4000-8000-000000000004', type: 'access.denied', actor: { id: 'dr-c', role: 'practitioner' } });

    const response = await handler(
      sqsEvent([
        ['m-delivered', envelope(anEvent({ type: 'access.denied' }))],
        ['m-throws', envelope(throws)],
        ['m-not-json', '{"detail": '],
      ]),
    );

    expect({ response, emails: email.sent.length, sms: sms.sent.length }).toEqual({
      response: { batchItemFailures: [{ itemIdentifier: 'm-delivered' }, { itemIdentifier: 'm-throws' }, { itemIdentifier: 'm-not-json' }] },
      emails: 0,
      sms: 0,
    });
  });

  it('answers an empty failure list for a batch that was all delivered, and for its redelivery, without sending twice', async () => {
    const { handler, email } = aJob();
    const batch = sqsEvent([
      ['m1', envelope(anEvent({ type: 'access.denied' }))],
      ['m2', envelope(anEvent({ type: 'access.break-glass' }))],
    ]);

    const first = await handler(batch);
    const again = await handler(batch);

    expect({ first, again, emails: email.sent.length }).toEqual({ first: { batchItemFailures: [] }, again: { batchItemFailures: [] }, emails: 2 });
  });

  it('logs ids, types, statuses and error names, never an address or an error message', async () => {
    const { handler, sms, lines } = aJob();
    const event = anEvent({ type: 'access.break-glass' });
    sms.failFor.add(event.id);

    await handler(sqsEvent([['m1', envelope(event)], ['m2', 'not json']]));

    expect(lines).toEqual([
      { level: 'warn', message: 'notification failed', attributes: { eventId: event.id, eventType: 'access.break-glass', status: 'failed', failedChannels: ['sms'], errors: ['MessageRejected'] } },
      { level: 'warn', message: 'queue message refused', attributes: { messageId: 'm2', status: 'invalid' } },
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/example\.org|\+1415|refused access|free text/);
  });
});
