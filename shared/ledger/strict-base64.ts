/**
 * Standard base64 (RFC 4648 §4, with padding), decoded strictly.
 *
 * Node's Buffer decoder skips characters it does not know and ignores non-zero padding bits, so
 * several texts decode to the same bytes. Signed notes, checkpoints and proofs must have exactly
 * one spelling per value, or a flipped bit could go unnoticed; hence: decode, re-encode, compare.
 */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The canonical base64 of `bytes`. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The bytes of `text`, or undefined unless `text` is canonical padded standard base64. */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
