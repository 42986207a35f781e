/**
 * A POST over node:http or node:https that connects to given addresses rather than whatever the
 * host name resolves to when the socket opens: the webhook sender checks the address first
 * (shared/notifications/webhook-target.ts), and a second resolution could answer differently (DNS
 * rebinding). The URL's host name still goes in the Host header and, over TLS, in SNI and the
 * certificate check. Redirects are never followed (node:http does not follow them).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

export type PostRequest = {
  readonly url: string;
  /** Connect to one of these addresses (IPv4 or IPv6), as the system would try a name's; undefined: resolve the host name as usual. */
  readonly addresses: readonly string[] | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The whole exchange's deadline, connection included. */
  readonly timeoutMs: number;
};

/** Sends the request and answers with the response's status once its body is drained. */
export type Post = (request: PostRequest) => Promise<number>;

export class PostTimeoutError extends Error {
  override name = 'TimeoutError';
}

export const pinnedPost: Post = ({ url, addresses, headers, body, timeoutMs }) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const signal = AbortSignal.timeout(timeoutMs);
    // The deadline may pass while connecting, sending or reading the answer: each then fails as a timeout.
    const failed = (error: unknown) => reject(signal.aborted ? new PostTimeoutError(`no answer within ${timeoutMs} ms`, { cause: error }) : error);
    const request = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal,
        // One connection per delivery: a pooled socket could have been opened to another address.
        agent: false,
        ...(addresses === undefined ? {} : { lookup: lookupOnly(addresses) }),
      },
      (response: IncomingMessage) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', failed);
      },
    );
    request.on('error', failed);
    request.end(body);
  });

/**
 * A lookup that answers `addresses` for any name, in both of the forms net.connect asks for: all of
 * them (it then tries each in turn, as for a name with several addresses), or the first.
 */
function lookupOnly(addresses: readonly string[]): LookupFunction {
  const answers = addresses.map((address) => ({ address, family: isIP(address) }));
  const [first] = answers;
  if (first === undefined || answers.some((answer) => answer.family === 0)) throw new TypeError('pinned addresses must be one or more IP addresses');
  return (_hostname, options, callback) => {
    if (options.all === true) callback(null, answers);
    else callback(null, first.address, first.family);
  };
}
