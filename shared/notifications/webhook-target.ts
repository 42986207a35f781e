/**
 * The SSRF guard for webhook targets (ARCHITECTURE.md D5). In AWS the notifier runs inside the
 * deployment's VPC, so a patient-supplied URL must not reach private networks, the instance
 * metadata service (169.254.169.254), loopback, or any other non-public address.
 *
 * The host is checked after WHATWG URL parsing, which is what `fetch` will connect to: `new URL`
 * already turns decimal, hex, octal and shortened IPv4 forms ("2130706433", "0x7f.1", "127.1") into
 * dotted quads, and IPv6 literals into canonical form ("[::ffff:127.0.0.1]" becomes
 * "[::ffff:7f00:1]"). A name is resolved through the HostResolver port and refused when ANY of its
 * addresses is not public, so a name with one public and one private address cannot slip through.
 *
 * DNS rebinding (a name that answers a public address to the check and a private one to the
 * connection) is closed by resolving once: `publicWebhookAddresses` returns the checked addresses,
 * and the sender connects to those and no others (shared/adapters/pinned-post.ts), while TLS still
 * verifies the certificate against the host name.
 */
import { BlockList, isIP } from 'node:net';

/** Resolves a host name to all its IPv4 and IPv6 addresses (textual). Must not return a partial list. */
export interface HostResolver {
  resolve(hostname: string): Promise<string[]>;
}

/** IPv4 ranges that are not public unicast (IANA special-purpose registry, RFC 6890 and successors). */
const BLOCKED_IPV4: readonly [string, number, string][] = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (includes instance metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved (includes broadcast)'],
];

/** IPv6 ranges that are not public unicast, or that embed an IPv4 address we would have to trust. */
const BLOCKED_IPV6: readonly [string, number, string][] = [
  ['::', 96, 'unspecified, loopback or IPv4-compatible'],
  ['::ffff:0:0', 96, 'IPv4-mapped'],
  ['64:ff9b::', 96, 'NAT64'],
  ['64:ff9b:1::', 48, 'local-use NAT64'],
  ['100::', 64, 'discard-only'],
  ['2001::', 23, 'IETF protocol assignments (includes Teredo)'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

// One list per family: BlockList checks an IPv4 address as its IPv4-mapped IPv6 form, so the
// "IPv4-mapped" IPv6 rule must only ever see IPv6 input.
const blockedIpv4 = new Map<string, BlockList>();
const blockedIpv6 = new Map<string, BlockList>();
for (const [ranges, family, lists] of [[BLOCKED_IPV4, 'ipv4', blockedIpv4], [BLOCKED_IPV6, 'ipv6', blockedIpv6]] as const) {
  for (const [network, prefix, label] of ranges) {
    const list = lists.get(label) ?? new BlockList();
    list.addSubnet(network, prefix, family);
    lists.set(label, list);
  }
}

/**
 * Why `address` (a textual IPv4 or IPv6 address, without brackets) may not be a webhook target, or
 * undefined when it is public unicast. Anything that is not an IP address is refused.
 */
export function nonPublicAddressReason(address: string): string | undefined {
  const version = isIP(address);
  if (version === 0) return `${address} is not an IP address`;
  const type = version === 4 ? 'ipv4' : 'ipv6';
  // IPv4 rules come first: BlockList also applies them to IPv4-mapped IPv6 addresses, whose reason
  // ("loopback") says more than "IPv4-mapped".
  for (const [label, list] of blockedIpv4) {
    if (list.check(address, type)) return `${address} is ${label}`;
  }
  if (type === 'ipv6') {
    for (const [label, list] of blockedIpv6) {
      if (list.check(address, type)) return `${address} is ${label}`;
    }
  }
  return undefined;
}

export class WebhookTargetError extends Error {
  override name = 'WebhookTargetError';
}

/**
 * Checks that `url` (already syntax-checked by the preferences schema) targets only public
 * addresses. Throws WebhookTargetError naming the refused address; resolver failures propagate.
 */
export async function assertPublicWebhookTarget(url: string, options: { resolver: HostResolver }): Promise<void> {
  await publicWebhookAddresses(url, options);
}

/**
 * The addresses to connect to for `url`, once every one has been checked as
 * `assertPublicWebhookTarget` does: the literal itself, or all the addresses its name resolves to,
 * in the resolver's order. A sender that connects to these and no others cannot be rebound.
 */
export async function publicWebhookAddresses(url: string, options: { resolver: HostResolver }): Promise<string[]> {
  const hostname = new URL(url).hostname;
  const literal = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (isIP(literal) !== 0) {
    const reason = nonPublicAddressReason(literal);
    if (reason !== undefined) throw new WebhookTargetError(`webhook target refused: ${reason}`);
    return [literal];
  }
  const addresses = await options.resolver.resolve(hostname);
  if (addresses.length === 0) throw new WebhookTargetError(`webhook target refused: ${hostname} has no addresses`);
  for (const address of addresses) {
    const reason = nonPublicAddressReason(address);
    if (reason !== undefined) throw new WebhookTargetError(`webhook target refused: ${hostname} resolves to ${reason}`);
  }
  return addresses;
}
