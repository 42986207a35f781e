/**
 * Reading a JSON request body safely: size cap, media type, nesting depth, then JSON.parse.
 *
 * The checks run cheapest first and all before JSON.parse, so an oversized or hostile body costs
 * one linear scan at most. The depth check matters because later steps (canonical JSON, zod,
 * hashing) walk values recursively: a nesting bomb must be a 400 here, not a stack overflow there.
 */
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../shared/errors.ts';

/** A record body is capped at 1 MiB (ARCHITECTURE.md D2)... */
export const MAX_RESOURCE_BYTES = 1024 * 1024;
/** ...and the request around it (`{resource, category}`, JSON escaping) may add this much. */
export const REQUEST_ENVELOPE_BYTES = 64 * 1024;
/** The most bytes a request body may have; beyond this the answer is 413. */
export const MAX_REQUEST_BODY_BYTES = MAX_RESOURCE_BYTES + REQUEST_ENVELOPE_BYTES;
/** The deepest nesting of objects and arrays accepted; FHIR resources are far shallower. */
export const MAX_JSON_DEPTH = 64;
/** Media types a JSON request body may be sent as. RFC 8259 JSON is UTF-8, so no other charset is accepted. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/fhir+json'] as const;

export type BodyLimits = { maxBytes: number; maxDepth: number };
export const DEFAULT_BODY_LIMITS: BodyLimits = { maxBytes: MAX_REQUEST_BODY_BYTES, maxDepth: MAX_JSON_DEPTH };

/**
 * The body of an API Gateway proxy event as text, or undefined when there is none. Throws
 * PayloadTooLargeError beyond `maxBytes` (before decoding base64) and ValidationError for a
 * base64 body that is not UTF-8.
 */
export function eventBodyText(event: { body: string | null | undefined; isBase64Encoded?: boolean }, maxBytes: number): string | undefined {
  const { body } = event;
  if (body === null || body === undefined || body === '') return undefined;
  if (event.isBase64Encoded === true) {
    // Every 4 base64 characters carry 3 bytes, so the decoded size is known before decoding.
    const approximateBytes = Math.floor((body.length * 3) / 4);
    if (approximateBytes > maxBytes + 2) throw tooLarge(maxBytes, approximateBytes);
    const bytes = Buffer.from(body, 'base64');
    if (bytes.length > maxBytes) throw tooLarge(maxBytes, bytes.length);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new ValidationError([{ path: 'body', message: 'is not valid UTF-8' }]);
    }
  }
  // A UTF-16 code unit never takes less than one UTF-8 byte, so a long string is too large without counting.
  if (body.length > maxBytes) throw tooLarge(maxBytes, Buffer.byteLength(body, 'utf8'));
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > maxBytes) throw tooLarge(maxBytes, bytes);
  return body;
}

/**
 * Parses `text` as the JSON body of a request sent with `contentType`. Throws
 * UnsupportedMediaTypeError unless the media type is a JSON one (charset, if given, utf-8), and
 * ValidationError when the JSON is nested deeper than `maxDepth`, malformed, or uses `__proto__`.
 */
export function parseJsonBody(options: { text: string; contentType: string | undefined; maxDepth: number }): unknown {
  const { text, contentType, maxDepth } = options;
  requireJsonMediaType(contentType);
  if (jsonDepthExceeds(text, maxDepth)) {
    throw new ValidationError([{ path: 'body', message: `is nested more than ${maxDepth} levels deep` }]);
  }
  try {
    // A "__proto__" key would become a prototype when a parsed object is copied (as zod does); refuse it.
    return text.includes('__proto__') ? JSON.parse(text, refuseProtoKey) : JSON.parse(text);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    // JSON.parse's message quotes the body, so only the fact is reported.
    throw new ValidationError([{ path: 'body', message: 'is not valid JSON' }]);
  }
}

/** Throws UnsupportedMediaTypeError unless `contentType` is an accepted JSON media type. */
export function requireJsonMediaType(contentType: string | undefined): void {
  if (contentType === undefined || contentType.trim() === '') {
    throw new UnsupportedMediaTypeError({ got: undefined, want: JSON_MEDIA_TYPES });
  }
  const [essence = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length).replace(/^"(.*)"$/, '$1');
  const accepted = (JSON_MEDIA_TYPES as readonly string[]).includes(essence) && (charset === undefined || charset === 'utf-8');
  if (!accepted) throw new UnsupportedMediaTypeError({ got: essence, want: JSON_MEDIA_TYPES });
}

/**
 * True when the JSON text nests objects and arrays more than `limit` deep. One pass, no recursion,
 * brackets inside strings ignored. For malformed JSON the answer is meaningless but harmless:
 * JSON.parse rejects such text anyway.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c /* \ */) i++;
      else if (code === 0x22 /* " */) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

function refuseProtoKey(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new ValidationError([{ path: 'body', message: 'must not contain the key "__proto__"' }]);
  return value;
}

function tooLarge(limitBytes: number, gotBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError({ subject: 'request body', limitBytes, gotBytes });
}
