import { describe, expect, it } from 'vitest';
import { DnsHostResolver } from '../../shared/adapters/dns-host-resolver.ts';
import { assertPublicWebhookTarget } from '../../shared/notifications/webhook-target.ts';

describe('DnsHostResolver', () => {
  it('resolves localhost to loopback addresses only', async () => {
    const addresses = await new DnsHostResolver().resolve('localhost');

    expect({ some: addresses.length > 0, allLoopback: addresses.every((a) => a === '::1' || a.startsWith('127.')) }).toEqual({ some: true, allLoopback: true });
  });

  it('lets the SSRF guard refuse https://localhost/', async () => {
    const check = assertPublicWebhookTarget('https://localhost/hook', { resolver: new DnsHostResolver() });

    await expect(check).rejects.toThrow(/localhost resolves to .* loopback/);
  });
});
