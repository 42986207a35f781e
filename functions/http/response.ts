/**
 * What a handler returns, and its conversion to an API Gateway proxy result.
 *
 * Bodies are JSON unless the handler names another content type; receipts (`entry`) are ordinary
 * body fields. Every response says `cache-control: no-store` unless the handler overrides it:
 * responses may hold health records, which no shared cache may keep.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';

export type HttpResult = {
  status: number;
  /** A JSON value for JSON content types; a string for text/* ones. */
  body?: unknown;
  /** Default: application/json. */
  contentType?: string;
  headers?: Record<string, string>;
};

export const JSON_CONTENT_TYPE = 'application/json';
export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** The proxy result for `result`. Throws TypeError for a text response whose body is not a string. */
export function toProxyResult(result: HttpResult): APIGatewayProxyResult {
  const contentType = result.contentType ?? JSON_CONTENT_TYPE;
  const headers: Record<string, string> = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = value;
  if (result.body === undefined) return { statusCode: result.status, headers, body: '' };
  headers['content-type'] = contentType;
  if (contentType.startsWith('text/')) {
    if (typeof result.body !== 'string') throw new TypeError(`a ${contentType} response body must be a string, got ${typeof result.body}`);
    return { statusCode: result.status, headers, body: result.body };
  }
  return { statusCode: result.status, headers, body: JSON.stringify(result.body) };
}
