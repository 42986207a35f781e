import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../shared/events/domain-event.ts';
import { MemoryNotificationLedger } from '../../shared/notifications/memory-ledger.ts';
import type { NotificationMessage } from '../../shared/notifications/message.ts';
import { makeNotify, notifyBatch, NOTIFIER_MAX_EVENT_AGE_MS, type NotifyOutcome } from '../../shared/notifications/notify.ts';
import type { NotificationPreferences } from '../../shared/notifications/preferences.ts';
import type { NotificationSender } from '../../shared/ports/notifications.ts';
import { anEvent } from '../events/fixtures.ts';
import { everyPatientChose } from './fixtures.ts';

class RecordingSender implements NotificationSender {
  readonly sent: { address: string; message: NotificationMessage }[] = [];
  failuresLeft = 0;

  async send(input: { address: string; message: NotificationMessage }): Promise<void> {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw Object.assign(new Error('provider unavailable'), { name: 'ServiceUnavailable' });
    }
    this.sent.push(input);
  }
}

const both: NotificationPreferences = {
  channels: [
    { type: 'email', address: 'pat@example.org' },
    { type: 'sms', address: '+14155550123' },
  ],
  mode: 'immediate',
};

/** `null`: the patient never set preferences. */
function aNotifier(preferences: NotificationPreferences | null = both) {
  const email = new RecordingSender();
  const sms = new RecordingSender();
  let now = Date.parse('2026-11-25T01:00:00.000Z');
  const notify = makeNotify({
    preferences: everyPatientChose(preferences),
    ledger: new MemoryNotificationLedger(),
    channels: { email, sms },
    clock: () => now,
    message: { accessLogBaseUrl: 'https://app.example.org' },
  });
  /** One event at a time, as a batch of one. */
  const notifyOne = async (event: DomainEvent) => (await notify([event]))[0] as NotifyOutcome;
  return { notify: notifyOne, notifyMany: notify, email, sms, advance: (ms: number) => (now += ms) };
}

describe('notify', () => {
  it('sends the alert on every channel the patient chose', async () => {
    const { notify, email, sms } = aNotifier();
    const event = anEvent();

    const outcome = await notify(event);

    expect({ outcome, email: email.sent.map((s) => [s.address, s.message.id]), sms: sms.sent.map((s) => [s.address, s.message.id]) }).toEqual({
      outcome: { eventId: event.id, status: 'sent', failures: [] },
      email: [['pat@example.org', event.id]],
      sms: [['+14155550123', event.id]],
    });
  });

  it('sends nothing for a redelivered event', async () => {
    const { notify, email } = aNotifier();
    const event = anEvent();
    await notify(event);

    const outcome = await notify(event);

    expect({ status: outcome.status, sent: email.sent.length }).toEqual({ status: 'duplicate', sent: 1 });
  });

  it('after a partial failure, retries only the failed channel and reports the failure for SQS', async () => {
    const { notify, email, sms } = aNotifier();
    sms.failuresLeft = 1;
    const event = anEvent();

    const first = await notify(event);
    const second = await notify(event);

    expect({ first, second: second.status, emails: email.sent.length, texts: sms.sent.length }).toEqual({
      first: { eventId: event.id, status: 'failed', failures: [{ channel: 'sms', reason: 'ServiceUnavailable: provider unavailable' }] },
      second: 'sent',
      emails: 1,
      texts: 1,
    });
  });

  it('coalesces a second read by the same practitioner within the window', async () => {
    const { notify, email } = aNotifier();

    const statuses = [(await notify(anEvent())).status, (await notify(anEvent())).status];

    expect({ statuses, sent: email.sent.length }).toEqual({ statuses: ['sent', 'coalesced'], sent: 1 });
  });

  it('sends again after the window, saying how many were combined', async () => {
    const { notify, email, advance } = aNotifier();
    await notify(anEvent());
    await notify(anEvent());
    advance(15 * 60_000);

    await notify(anEvent());

    expect(email.sent[1]?.message.text).toContain('1 similar earlier alert was combined.');
  });

  it('sends a break-glass alert at once inside an open window', async () => {
    const { notify, email } = aNotifier({ ...both, mode: 'digest' });
    await notify(anEvent());

    const outcome = await notify(anEvent({ type: 'access.break-glass' }));

    expect({ status: outcome.status, kinds: email.sent.map((s) => s.message.kind) }).toEqual({ status: 'sent', kinds: ['record.read', 'access.break-glass'] });
  });

  it('skips a patient with no preferences', async () => {
    const { notify } = aNotifier(null);

    const outcome = await notify(anEvent());

    expect(outcome.status).toBe('skipped');
  });

  it('reports a chosen channel with no configured sender as failed', async () => {
    const { notify } = aNotifier({ channels: [{ type: 'webhook', address: 'https://hooks.example.org/' }], mode: 'immediate' });

    const outcome = await notify(anEvent());

    expect(outcome.failures).toEqual([{ channel: 'webhook', reason: 'Error: no webhook channel is configured' }]);
  });
});

describe('notify over a batch', () => {
  it('decides in order within the batch: one alert per window, denials at once, outcomes in input order', async () => {
    const { notifyMany, email } = aNotifier();
    const reads = [anEvent(), anEvent(), anEvent()];
    const denial = anEvent({ type: 'access.denied', action: 'record.read', reason: 'no-consent' });
    const other = anEvent({ actor: { id: 'dr-other', role: 'practitioner' } });

    const outcomes = await notifyMany([reads[0]!, reads[1]!, denial, reads[2]!, other, reads[0]!]);

    expect(outcomes.map((outcome) => [outcome.eventId, outcome.status])).toEqual([
      [reads[0]!.id, 'sent'],
      [reads[1]!.id, 'coalesced'],
      [denial.id, 'sent'],
      [reads[2]!.id, 'coalesced'],
      [other.id, 'sent'],
      [reads[0]!.id, 'duplicate'],
    ]);
    expect(email.sent.map((sent) => sent.message.id)).toEqual([reads[0]!.id, denial.id, other.id]);
  });

  it('rejects, leaving every event unseen, when the ledger cannot be read', async () => {
    const notify = makeNotify({
      preferences: everyPatientChose(both),
      ledger: Object.assign(new MemoryNotificationLedger(), { seen: async () => Promise.reject(new Error('connection reset')) }),
      channels: {},
      clock: () => Date.parse(anEvent().at),
      message: { accessLogBaseUrl: 'https://app.example.org' },
    });

    await expect(notify([anEvent()])).rejects.toThrow('connection reset');
  });

  it('drops an event older than the maximum age unsent and unseen, and handles one just younger', async () => {
    const ledger = new MemoryNotificationLedger();
    const email = new RecordingSender();
    const now = Date.parse(anEvent().at);
    const emailOnly: NotificationPreferences = { channels: [{ type: 'email', address: 'pat@example.org' }], mode: 'immediate' };
    const notify = makeNotify({ preferences: everyPatientChose(emailOnly), ledger, channels: { email }, clock: () => now, message: { accessLogBaseUrl: 'https://app.example.org' } });
    const expired = anEvent({ at: new Date(now - NOTIFIER_MAX_EVENT_AGE_MS - 1).toISOString() });
    const current = anEvent({ at: new Date(now - NOTIFIER_MAX_EVENT_AGE_MS).toISOString() });

    const outcomes = await notify([expired, current]);

    expect({ outcomes: outcomes.map((outcome) => outcome.status), seen: await ledger.seen([expired.id, current.id]), sent: email.sent.map((sent) => sent.message.id) }).toEqual({
      outcomes: ['expired', 'sent'],
      seen: new Set([current.id]),
      sent: [current.id],
    });
  });
});

describe('notifyBatch', () => {
  const envelope = (event: DomainEvent) => JSON.stringify({ source: 'chartproof', 'detail-type': event.type, detail: event });

  it('returns only failed and invalid items for retry, and sends a message delivered twice in one batch once', async () => {
    const { notifyMany, email, sms } = aNotifier();
    sms.failuresLeft = 1;
    const failing = anEvent();
    const fine = anEvent({ actor: { id: 'dr-other', role: 'practitioner' } });

    const result = await notifyBatch(notifyMany, [
      { itemId: 'm1', body: envelope(failing) },
      { itemId: 'm2', body: envelope(fine) },
      { itemId: 'm3', body: envelope(fine) },
      { itemId: 'm4', body: '{"detail":{"note":"free text"}}' },
    ]);

    expect({ retry: result.retryItemIds, emailsForFine: email.sent.filter((s) => s.message.id === fine.id).length }).toEqual({
      retry: ['m1', 'm4'],
      emailsForFine: 1,
    });
  });
});
