/**
 * Webhook signatures (ARCHITECTURE.md D5): HMAC-SHA256 over `timestamp + "." + body`, sent as
 *
 *     Chartproof-Signature: t=<unix seconds>,v1=<hex HMAC>
 *
 * The timestamp is signed so a captured request cannot be replayed later than the receiver's
 * tolerance; the body is signed byte for byte, so receivers must verify the raw body before
 * parsing it. Several v1 values may appear (while a secret is being rotated); one match suffices.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Chartproof-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

type Body = string | Uint8Array;

function hmacHex(secret: string, timestamp: number, body: Body): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The Chartproof-Signature header value for `body` sent at `timestamp` (unix seconds, an integer). */
export function signWebhookBody(input: { secret: string; timestamp: number; body: Body }): string {
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) throw new RangeError(`timestamp ${input.timestamp}, want unix seconds`);
  return `t=${input.timestamp},v1=${hmacHex(input.secret, input.timestamp, input.body)}`;
}

export type WebhookVerification = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * Checks a Chartproof-Signature header against the raw request body. `now` is unix seconds;
 * `secrets` holds the current secret and, during a rotation, the previous one. Pure: no clock, no I/O.
 */
export function verifyWebhookSignature(input: {
  header: string | undefined;
  body: Body;
  secrets: readonly string[];
  now: number;
  toleranceSeconds?: number;
}): WebhookVerification {
  if (input.header === undefined || input.header === '') return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` };
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of input.header.split(',')) {
    const [key, value, ...rest] = part.trim().split('=');
    if (rest.length > 0 || value === undefined) return { ok: false, reason: `malformed header part ${JSON.stringify(part)}` };
    if (key === 't') {
      if (!/^[0-9]{1,15}$/.test(value) || timestamp !== undefined) return { ok: false, reason: 'malformed or repeated timestamp' };
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) return { ok: false, reason: 'malformed v1 signature, want 64 lowercase hex digits' };
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other schemes are ignored, so a receiver keeps working when a later version adds one.
  }
  if (timestamp === undefined) return { ok: false, reason: 'no timestamp' };
  if (signatures.length === 0) return { ok: false, reason: 'no v1 signature' };
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const age = input.now - timestamp;
  if (Math.abs(age) > tolerance) return { ok: false, reason: `timestamp is ${age} s from now, want within ${tolerance} s` };
  for (const secret of input.secrets) {
    const expected = Buffer.from(hmacHex(secret, timestamp, input.body), 'hex');
    if (signatures.some((signature) => timingSafeEqual(signature, expected))) return { ok: true, timestamp };
  }
  return { ok: false, reason: 'no signature matches' };
}
