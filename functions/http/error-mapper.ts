/**
 * The one place where errors become HTTP responses (API.md "Errors").
 *
 * Domain errors (shared/errors.ts) map to their problem type, with their message as `detail`
 * (their messages are written for the client). Anything else is unexpected: the client gets an
 * opaque 500 naming only the request id, and the caller logs the cause (ids only; see
 * log-formatter.ts). Integrity failures are 500s too, but expected ones: they say what failed.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import {
  DomainError,
  ForbiddenError,
  GoneError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
  IntegrityFailureError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  ValidationError,
  VersionConflictError,
  WebhookTargetRefusedError,
} from '../../shared/errors.ts';
import { problem, problemResponse, type Problem, type ProblemSlug } from './problem.ts';

export type MappedError = {
  problem: Problem;
  /** Response headers the status calls for (WWW-Authenticate on 401). */
  headers: Record<string, string>;
  /** True when the error was not a known domain error: a bug or an infrastructure failure to log as such. */
  unexpected: boolean;
};

type Mapping = { slug: ProblemSlug; extensions?: Record<string, unknown>; headers?: Record<string, string> };

/** Maps any thrown value to its problem. `requestId` is added to every problem, so clients can quote it. */
export function mapError(error: unknown, context: { requestId: string }): MappedError {
  const mapping = error instanceof DomainError ? domainMapping(error) : undefined;
  if (mapping === undefined || !(error instanceof DomainError)) {
    return {
      problem: problem('internal-error', `an unexpected error occurred; quote request id ${context.requestId} when reporting it`, {
        requestId: context.requestId,
      }),
      headers: {},
      unexpected: true,
    };
  }
  const extensions: Record<string, unknown> = { ...mapping.extensions, requestId: context.requestId };
  if (error.receipt !== undefined) extensions.entry = { index: error.receipt.index, leafHash: error.receipt.leafHash };
  return { problem: problem(mapping.slug, error.message, extensions), headers: mapping.headers ?? {}, unexpected: false };
}

/** mapError, as an API Gateway proxy result. */
export function errorResponse(error: unknown, context: { requestId: string }): { response: APIGatewayProxyResult; mapped: MappedError } {
  const mapped = mapError(error, context);
  return { response: problemResponse(mapped.problem, mapped.headers), mapped };
}

function domainMapping(error: DomainError): Mapping | undefined {
  if (error instanceof ValidationError) {
    return { slug: 'invalid-request', extensions: { errors: error.fields.map(({ path, message }) => ({ path, message })) } };
  }
  if (error instanceof UnauthenticatedError) {
    // RFC 7235 §4.1: a 401 names the scheme the client must use.
    return { slug: 'unauthenticated', headers: { 'www-authenticate': 'Bearer realm="chartproof"' } };
  }
  if (error instanceof ForbiddenError) return { slug: 'forbidden' };
  if (error instanceof NotFoundError) return { slug: 'not-found' };
  if (error instanceof VersionConflictError) return { slug: 'version-conflict', extensions: { currentVersion: error.want } };
  if (error instanceof IdempotencyInProgressError) return { slug: 'idempotency-in-progress', headers: { 'retry-after': '1' } };
  if (error instanceof GoneError) return { slug: 'erased' };
  if (error instanceof PayloadTooLargeError) return { slug: 'payload-too-large', extensions: { limitBytes: error.limitBytes } };
  if (error instanceof UnsupportedMediaTypeError) return { slug: 'unsupported-media-type', extensions: { accepted: [...error.want] } };
  if (error instanceof IdempotencyConflictError) return { slug: 'idempotency-key-reused' };
  if (error instanceof WebhookTargetRefusedError) return { slug: 'webhook-target-refused', extensions: { errors: [{ path: error.path, message: 'not a public address' }] } };
  if (error instanceof IntegrityFailureError) {
    return { slug: 'integrity-failure', extensions: { recordId: error.recordId, version: error.version } };
  }
  return undefined; // a DomainError subclass this mapper does not know yet: treated as unexpected
}
