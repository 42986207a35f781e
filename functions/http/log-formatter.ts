/**
 * A Powertools log formatter that lets through identifiers and numbers, never content
 * (ARCHITECTURE.md "No PHI in logs").
 *
 * Guarding the output rather than trusting each call site means a mistake (logging a request, a
 * body, an event, a driver error whose message quotes a row) cannot leak. The rules:
 * - attribute values must be numbers, booleans, or id-like strings: no spaces, quotes, braces or
 *   commas, at most 200 characters. Anything else, objects included, becomes "[redacted]". JSON and
 *   prose never fit, so no body, serialized or not, can be logged;
 * - errors are reduced to their name, their `code` when it is id-like, and their stack frames. Error
 *   messages are dropped: a parser or database message can quote the data that failed;
 * - the message must be a short constant-like sentence (letters, digits, spaces and plain
 *   punctuation); anything else becomes "[redacted message]". Log constant messages and pass ids as
 *   attributes.
 */
import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

export const REDACTED = '[redacted]';
export const REDACTED_MESSAGE = '[redacted message]';

const SAFE_VALUE = /^[A-Za-z0-9._:/@+=#{}-]{0,200}$/;
const SAFE_MESSAGE = /^[A-Za-z0-9 .:;()/_#-]{0,160}$/;
const SAFE_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_ARRAY_ITEMS = 32;
const MAX_FRAMES = 12;
const MAX_CAUSES = 3;

export class IdsOnlyLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const lambda = attributes.lambdaContext;
    const item = new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: SAFE_MESSAGE.test(attributes.message) ? attributes.message : REDACTED_MESSAGE,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: lambda?.coldStart,
        function_name: lambda?.functionName,
        function_request_id: lambda?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      },
    });
    const safe: LogAttributes = {};
    for (const [key, value] of Object.entries(additionalLogAttributes)) {
      if (SAFE_KEY.test(key)) safe[key] = safeValue(value);
    }
    return item.addAttributes(safe);
  }

  override formatError(error: Error): LogAttributes {
    return describeError(error, 0);
  }
}

function safeValue(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return value;
  if (typeof value === 'string') return SAFE_VALUE.test(value) ? value : REDACTED;
  if (value instanceof Error) return describeError(value, 0);
  if (Array.isArray(value) && value.length <= MAX_ARRAY_ITEMS && value.every((item) => typeof item !== 'object' || item === null)) {
    return value.map(safeValue);
  }
  return REDACTED;
}

function describeError(error: Error, depth: number): LogAttributes {
  const code = (error as { code?: unknown }).code;
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, MAX_FRAMES)
    .map((line) => line.trim());
  return {
    name: typeof error.name === 'string' && SAFE_VALUE.test(error.name) ? error.name : REDACTED,
    ...(typeof code === 'string' || typeof code === 'number' ? { code: safeValue(code) } : {}),
    frames,
    ...(error.cause instanceof Error && depth < MAX_CAUSES ? { cause: describeError(error.cause, depth + 1) } : {}),
  };
}
