/**
 * Turning driver values into API values and back, the same way for every projection: drivers return
 * bigint as string or number, bytea as Buffer or Uint8Array, timestamptz as Date.
 */
import { decodeBase64Strict, encodeBase64 } from '../../ledger/strict-base64.ts';
import { toBytes, toSafeInteger } from './executor.ts';

export function optionalText(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

export function optionalIndex(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : toSafeInteger(value, 'journal_index');
}

export function base64(value: unknown, what: string): string {
  return encodeBase64(toBytes(value, what));
}

/** Drivers return timestamptz as Date; the API speaks RFC 3339 with milliseconds. */
export function timestamp(value: unknown, what: string): string {
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new TypeError(`${what} is not a timestamp: ${String(value)}`);
  return date.toISOString();
}

/** Requires canonical base64 of a 32-byte hash (the core only produces such). */
export function hashBytes(value: string): Uint8Array {
  const bytes = decodeBase64Strict(value);
  if (bytes === undefined || bytes.length !== 32) throw new TypeError('not the base64 of a 32-byte hash');
  return bytes;
}
