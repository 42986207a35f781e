/**
 * HostResolver over the system resolver (getaddrinfo, as `fetch` itself uses), so the SSRF guard
 * checks the same answers the connection will use, /etc/hosts included.
 */
import { lookup } from 'node:dns/promises';
import type { HostResolver } from '../notifications/webhook-target.ts';

export class DnsHostResolver implements HostResolver {
  /** All IPv4 and IPv6 addresses of `hostname`; [] when the name does not exist. Other failures reject. */
  async resolve(hostname: string): Promise<string[]> {
    try {
      const answers = await lookup(hostname, { all: true, order: 'verbatim' });
      return answers.map((answer) => answer.address);
    } catch (error) {
      if ((error as NodeJS.ErrnoException)?.code === 'ENOTFOUND') return [];
      throw error;
    }
  }
}
