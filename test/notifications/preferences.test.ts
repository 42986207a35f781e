import { describe, expect, it } from 'vitest';
import { NotificationPreferencesSchema } from '../../shared/notifications/preferences.ts';

const valid = (channels: unknown[], mode = 'immediate') => NotificationPreferencesSchema.safeParse({ channels, mode }).success;

describe('notification preferences', () => {
  it('accepts email, SMS and webhook channels with immediate or digest mode', () => {
    const preferences = {
      channels: [
        { type: 'email', address: 'pat@example.org' },
        { type: 'sms', address: '+14155550123' },
        { type: 'webhook', address: 'https://hooks.example.org/chartproof' },
      ],
      mode: 'digest',
    };

    expect(NotificationPreferencesSchema.parse(preferences)).toEqual(preferences);
  });

  it('accepts no channels at all', () => {
    expect(valid([])).toBe(true);
  });

  it.each(['not-an-email', 'pat@', '@example.org', 'pat example@example.org'])('rejects the email address %j', (address) => {
    expect(valid([{ type: 'email', address }])).toBe(false);
  });

  it.each(['4155550123', '+04155550123', '+1 415 555 0123', '+1234567890123456', '+123'])('rejects the phone number %j (not E.164)', (address) => {
    expect(valid([{ type: 'sms', address }])).toBe(false);
  });

  it.each([
    ['http://hooks.example.org/', /https/],
    ['ftp://hooks.example.org/', /https/],
    ['https://user:secret@hooks.example.org/', /credentials/],
    ['https://hooks.example.org/#frag', /fragment/],
    ['hooks.example.org/path', /absolute URL/],
  ])('rejects the webhook URL %j', (address, message) => {
    const result = NotificationPreferencesSchema.safeParse({ channels: [{ type: 'webhook', address }], mode: 'immediate' });

    expect(result.error?.issues[0]?.message).toMatch(message);
  });

  it('rejects an unknown channel type', () => {
    expect(valid([{ type: 'pager', address: '1234' }])).toBe(false);
  });

  it('rejects an extra field on a channel', () => {
    expect(valid([{ type: 'email', address: 'pat@example.org', label: 'home' }])).toBe(false);
  });

  it('rejects an unknown mode', () => {
    expect(valid([], 'weekly')).toBe(false);
  });

  it('rejects more than five channels', () => {
    const channels = Array.from({ length: 6 }, (_, i) => ({ type: 'email', address: `pat${i}@example.org` }));

    expect(valid(channels)).toBe(false);
  });
});
