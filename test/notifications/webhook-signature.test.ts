import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhookBody, verifyWebhookSignature } from '../../shared/notifications/webhook-signature.ts';

const secret = 'whsec-test';
const body = '{"id":"e1","kind":"record.read"}';
const t = 1_795_000_000;

describe('webhook signatures', () => {
  it('signs HMAC-SHA256 over timestamp "." body, as t=<unix>,v1=<hex>', () => {
    const header = signWebhookBody({ secret, timestamp: t, body });

    expect(header).toBe(`t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
  });

  it('verifies its own signature', () => {
    const header = signWebhookBody({ secret, timestamp: t, body });

    expect(verifyWebhookSignature({ header, body, secrets: [secret], now: t + 10 })).toEqual({ ok: true, timestamp: t });
  });

  it('verifies the same body given as bytes', () => {
    const header = signWebhookBody({ secret, timestamp: t, body });

    expect(verifyWebhookSignature({ header, body: new TextEncoder().encode(body), secrets: [secret], now: t }).ok).toBe(true);
  });

  it('accepts the previous secret during a rotation', () => {
    const header = signWebhookBody({ secret: 'old', timestamp: t, body });

    expect(verifyWebhookSignature({ header, body, secrets: ['new', 'old'], now: t }).ok).toBe(true);
  });

  it('refuses a changed body', () => {
    const header = signWebhookBody({ secret, timestamp: t, body });

    expect(verifyWebhookSignature({ header, body: body.replace('read', 'listed'), secrets: [secret], now: t })).toEqual({ ok: false, reason: 'no signature matches' });
  });

  it('refuses another secret', () => {
    const header = signWebhookBody({ secret: 'attacker', timestamp: t, body });

    expect(verifyWebhookSignature({ header, body, secrets: [secret], now: t }).ok).toBe(false);
  });

  it('refuses a replay outside the tolerance', () => {
    const header = signWebhookBody({ secret, timestamp: t, body });

    expect(verifyWebhookSignature({ header, body, secrets: [secret], now: t + 301 })).toEqual({ ok: false, reason: 'timestamp is 301 s from now, want within 300 s' });
  });

  it('refuses a re-timestamped header (the timestamp is signed)', () => {
    const header = signWebhookBody({ secret, timestamp: t, body }).replace(`t=${t}`, `t=${t + 1000}`);

    expect(verifyWebhookSignature({ header, body, secrets: [secret], now: t + 1000 }).ok).toBe(false);
  });

  it.each([undefined, '', 'v1=abc', `t=${t}`, `t=x,v1=${'0'.repeat(64)}`, `t=${t},v1=${'A'.repeat(64)}`])('refuses the malformed header %j', (header) => {
    expect(verifyWebhookSignature({ header, body, secrets: [secret], now: t }).ok).toBe(false);
  });

  it('ignores unknown schemes beside a valid v1', () => {
    const header = `${signWebhookBody({ secret, timestamp: t, body })},v2=whatever`;

    expect(verifyWebhookSignature({ header, body, secrets: [secret], now: t }).ok).toBe(true);
  });
});
