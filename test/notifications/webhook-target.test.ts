import { describe, expect, it } from 'vitest';
import { assertPublicWebhookTarget, nonPublicAddressReason, WebhookTargetError, type HostResolver } from '../../shared/notifications/webhook-target.ts';

const resolverOf = (answers: Record<string, string[]>): HostResolver => ({
  resolve: async (hostname) => answers[hostname] ?? [],
});
const noDns: HostResolver = {
  resolve: async (hostname) => {
    throw new Error(`unexpected DNS lookup of ${hostname}`);
  },
};

describe('nonPublicAddressReason', () => {
  it.each([
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['0.0.0.0', 'this network'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:8.8.8.8', 'IPv4-mapped'],
    ['64:ff9b::a00:1', 'NAT64'],
    ['2002:a00:1::1', '6to4'],
  ])('refuses %s (%s)', (address, label) => {
    expect(nonPublicAddressReason(address)).toContain(label);
  });

  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '172.15.255.255', '2606:4700:4700::1111'])('accepts the public address %s', (address) => {
    expect(nonPublicAddressReason(address)).toBeUndefined();
  });

  it('refuses something that is not an IP address', () => {
    expect(nonPublicAddressReason('example.org')).toMatch(/not an IP address/);
  });
});

describe('assertPublicWebhookTarget', () => {
  // new URL normalizes every IPv4 spelling to a dotted quad before we look at it (checked here too).
  it.each([
    ['https://2130706433/', '127.0.0.1'],
    ['https://0x7f.1/', '127.0.0.1'],
    ['https://017700000001/', '127.0.0.1'],
    ['https://127.1/', '127.0.0.1'],
    ['https://0/', '0.0.0.0'],
    ['https://0xa9fea9fe/latest/meta-data/', '169.254.169.254'],
  ])('sees %s as %s and refuses it without DNS', async (url, normalized) => {
    const check = assertPublicWebhookTarget(url, { resolver: noDns });

    expect(new URL(url).hostname).toBe(normalized);
    await expect(check).rejects.toThrow(WebhookTargetError);
  });

  it.each(['https://[::1]/', 'https://[::ffff:127.0.0.1]/', 'https://[fe80::1]/', 'https://[fd00::1]/', 'https://10.0.0.5:8443/hook'])(
    'refuses the literal address in %s',
    async (url) => {
      await expect(assertPublicWebhookTarget(url, { resolver: noDns })).rejects.toThrow(WebhookTargetError);
    },
  );

  it('accepts a public literal IPv4 address', async () => {
    await expect(assertPublicWebhookTarget('https://93.184.215.14/hook', { resolver: noDns })).resolves.toBeUndefined();
  });

  it('accepts a name whose addresses are all public', async () => {
    const resolver = resolverOf({ 'hooks.example.org': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'] });

    await expect(assertPublicWebhookTarget('https://hooks.example.org/x', { resolver })).resolves.toBeUndefined();
  });

  it('refuses a name with one public and one private address', async () => {
    const resolver = resolverOf({ 'hooks.example.org': ['93.184.215.14', '10.0.0.7'] });

    await expect(assertPublicWebhookTarget('https://hooks.example.org/x', { resolver })).rejects.toThrow(/resolves to 10\.0\.0\.7 is private/);
  });

  it('refuses a name resolving to the metadata service', async () => {
    const resolver = resolverOf({ 'metadata.attacker.example': ['169.254.169.254'] });

    await expect(assertPublicWebhookTarget('https://metadata.attacker.example/', { resolver })).rejects.toThrow(WebhookTargetError);
  });

  it('refuses a name with no addresses', async () => {
    await expect(assertPublicWebhookTarget('https://nowhere.example/', { resolver: resolverOf({}) })).rejects.toThrow(/no addresses/);
  });
});
