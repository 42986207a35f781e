/**
 * The typed errors the domain core throws when a request cannot be served (API.md "Errors").
 *
 * The core knows nothing of HTTP: no status codes live here. Each error carries the facts a caller
 * needs (which fields failed, which version is current, how large the limit is), and the HTTP layer
 * (functions/http/error-mapper.ts) is the one place that turns them into responses.
 *
 * A DomainError's message is written for the client and is sent as the problem `detail`, so it
 * must hold only identifiers, numbers and field names: never record content, names or other PHI,
 * and never a value the client sent. Anything that is not a DomainError (a driver failure, a bug)
 * becomes an opaque 500 instead.
 */

/** A journal receipt (API.md "Receipts"): the 0-based index and base64 leaf hash of a written entry. */
export type JournalReceipt = { index: number; leafHash: string };

export type DomainErrorOptions = {
  cause?: unknown;
  /** The entry journaled about this refusal (a denial, an integrity failure), so the client can verify it. */
  receipt?: JournalReceipt;
};

/** Base of every error the core throws on purpose; its message is safe to show the client. */
export class DomainError extends Error {
  override name = 'DomainError';
  readonly receipt: JournalReceipt | undefined;

  constructor(message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.receipt = options.receipt;
  }
}

/** One input that failed validation: `path` names it ("body.resource.resourceType", "query.limit"). */
export type FieldIssue = { path: string; message: string };

/** The request is malformed or a field is invalid. Requires at least one issue. */
export class ValidationError extends DomainError {
  override name = 'ValidationError';
  readonly fields: readonly FieldIssue[];

  constructor(fields: readonly FieldIssue[], options: DomainErrorOptions = {}) {
    super(describeIssues(fields), options);
    this.fields = fields;
  }
}

/** There is no credential, or it cannot be accepted; `message` says which. */
export class UnauthenticatedError extends DomainError {
  override name = 'UnauthenticatedError';
}

/** The actor is known but may not do this. Denials are journaled, so this usually carries a receipt. */
export class ForbiddenError extends DomainError {
  override name = 'ForbiddenError';
}

/** What the request names does not exist (or, to the actor, must look as if it did not). */
export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
  readonly resource: string;
  readonly id: string | undefined;

  /** `resource` is a kind ("record", "consent", "patient"); `id` its identifier when there is one. */
  constructor(options: { resource: string; id?: string } & DomainErrorOptions) {
    super(options.id === undefined ? `${options.resource} not found` : `${options.resource} ${options.id} not found`, options);
    this.resource = options.resource;
    this.id = options.id;
  }
}

/** A write named a version (If-Match) that is no longer the current one. */
export class VersionConflictError extends DomainError {
  override name = 'VersionConflictError';
  readonly got: number;
  readonly want: number;

  /** `got` is the version the client named; `want` is the current version it must name. */
  constructor(options: { got: number; want: number } & DomainErrorOptions) {
    super(`version ${options.got} is not the current version; the current version is ${options.want}`, options);
    this.got = options.got;
    this.want = options.want;
  }
}

/** The patient's records were erased (crypto-shredded) and can never be read again. */
export class GoneError extends DomainError {
  override name = 'GoneError';
  readonly patientId: string;

  constructor(options: { patientId: string } & DomainErrorOptions) {
    super(`the records of patient ${options.patientId} have been erased`, options);
    this.patientId = options.patientId;
  }
}

/** The request (or a part of it, such as a record body) is larger than allowed. */
export class PayloadTooLargeError extends DomainError {
  override name = 'PayloadTooLargeError';
  readonly limitBytes: number;
  readonly gotBytes: number | undefined;

  /** `subject` names what is too large ("request body", "resource"); `gotBytes` is its size when known. */
  constructor(options: { subject: string; limitBytes: number; gotBytes?: number } & DomainErrorOptions) {
    super(
      options.gotBytes === undefined
        ? `${options.subject} is larger than the limit of ${options.limitBytes} bytes`
        : `${options.subject} is ${options.gotBytes} bytes, more than the limit of ${options.limitBytes} bytes`,
      options,
    );
    this.limitBytes = options.limitBytes;
    this.gotBytes = options.gotBytes;
  }
}

/** The request body is in a media type the route does not accept. */
export class UnsupportedMediaTypeError extends DomainError {
  override name = 'UnsupportedMediaTypeError';
  readonly got: string | undefined;
  readonly want: readonly string[];

  /** `got` is the media type sent (undefined when there was no Content-Type); `want` the accepted ones. */
  constructor(options: { got: string | undefined; want: readonly string[] } & DomainErrorOptions) {
    super(`${describeMediaType(options.got)} is not accepted; send ${options.want.join(' or ')}`, options);
    this.got = options.got;
    this.want = options.want;
  }
}

/**
 * Stored bytes do not match their journaled hash (ARCHITECTURE.md D2 "Reads"). The read failed
 * closed; the failure is journaled (so this carries a receipt) and the patient is alerted.
 */
export class IntegrityFailureError extends DomainError {
  override name = 'IntegrityFailureError';
  readonly recordId: string;
  readonly version: number;

  constructor(options: { recordId: string; version: number } & DomainErrorOptions) {
    super(`record ${options.recordId} version ${options.version} failed its integrity check and was not served`, options);
    this.recordId = options.recordId;
    this.version = options.version;
  }
}

/**
 * An Idempotency-Key was reused with a different request body. The first request's outcome stands
 * and nothing was written. (Mapped to 422, as the IETF Idempotency-Key draft advises: the request
 * is well-formed but cannot be processed under that key.)
 */
export class IdempotencyConflictError extends DomainError {
  override name = 'IdempotencyConflictError';
  readonly key: string;

  constructor(options: { key: string } & DomainErrorOptions) {
    super('this Idempotency-Key was already used with a different request body', options);
    this.key = options.key;
  }
}

/**
 * A request with this Idempotency-Key is still being processed; retry later to get its response.
 * (Mapped to 409, as the IETF Idempotency-Key draft advises.)
 */
export class IdempotencyInProgressError extends DomainError {
  override name = 'IdempotencyInProgressError';
  readonly key: string;

  constructor(options: { key: string } & DomainErrorOptions) {
    super('a request with this Idempotency-Key is still being processed; retry later', options);
    this.key = options.key;
  }
}

/**
 * A webhook URL is well-formed but may not be called from this deployment: its host is, or
 * resolves to, an address that is not public (private, loopback, link-local, ...), or cannot be
 * resolved (refused rather than trusted). Mapped to 422. The message names the field, never the
 * URL, the host or the addresses (values the client sent or could probe with).
 */
export class WebhookTargetRefusedError extends DomainError {
  override name = 'WebhookTargetRefusedError';
  readonly path: string;

  /** `path` names the field, e.g. "body.channels.1.address". */
  constructor(options: { path: string } & DomainErrorOptions) {
    super(`${options.path}: the webhook host must resolve only to public internet addresses`, options);
    this.path = options.path;
  }
}

const MAX_ISSUES_IN_MESSAGE = 3;
// A media type is echoed only when it looks like one (type/subtype tokens), never arbitrary header text.
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$/;

function describeMediaType(got: string | undefined): string {
  if (got === undefined) return 'a body without Content-Type';
  return MEDIA_TYPE.test(got) ? `Content-Type ${got}` : 'this Content-Type';
}

function describeIssues(fields: readonly FieldIssue[]): string {
  if (fields.length === 0) return 'invalid request';
  const shown = fields.slice(0, MAX_ISSUES_IN_MESSAGE).map((issue) => `${issue.path}: ${issue.message}`);
  const more = fields.length - shown.length;
  return `invalid request: ${shown.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`;
}
