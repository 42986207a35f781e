/**
 * RFC 9457 problem details (API.md "Errors"): every error response is `application/problem+json`
 * holding `{type, title, status, detail}` plus extension members.
 *
 * Problem types are absolute URIs, `https://chartproof.dev/problems/<slug>`. RFC 9457 prefers
 * absolute URIs (a relative one would resolve against each request's URL and so differ between
 * requests), and the last path segment is the short name API.md uses: the type of an integrity
 * failure ends in exactly `integrity-failure`. Clients may compare the whole URI or its last
 * segment. The URIs identify; they need not be fetchable.
 *
 * `title` is fixed per type; `detail` explains this occurrence. Neither ever holds a stack trace,
 * record content or anything else the client did not already know.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { JournalReceipt } from '../../shared/errors.ts';

export const PROBLEM_TYPE_BASE = 'https://chartproof.dev/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Every problem the API answers with: its status and fixed title. */
export const PROBLEM_TYPES = {
  'invalid-request': { status: 400, title: 'Invalid request' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'version-conflict': { status: 409, title: 'Version conflict' },
  'idempotency-in-progress': { status: 409, title: 'Request with this Idempotency-Key in progress' },
  erased: { status: 410, title: 'Erased' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency-Key reused with a different body' },
  'webhook-target-refused': { status: 422, title: 'Webhook target refused' },
  'integrity-failure': { status: 500, title: 'Integrity failure' },
  'internal-error': { status: 500, title: 'Internal error' },
  'not-implemented': { status: 501, title: 'Not implemented' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemSlug = keyof typeof PROBLEM_TYPES;

/** A problem details object. Extension members must be JSON values and hold ids and numbers only. */
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  /** The journal entry written about this refusal (a denial, an integrity failure), when there is one. */
  entry?: JournalReceipt;
  [extension: string]: unknown;
};

/** The full type URI of a slug. */
export function problemType(slug: ProblemSlug): string {
  return `${PROBLEM_TYPE_BASE}${slug}`;
}

/** Builds the problem for `slug`; `extensions` may not override type, title or status. */
export function problem(slug: ProblemSlug, detail: string, extensions: Record<string, unknown> = {}): Problem {
  const { status, title } = PROBLEM_TYPES[slug];
  return { ...extensions, type: problemType(slug), title, status, detail };
}

/** The API Gateway proxy result carrying `body`, with any extra response headers. */
export function problemResponse(body: Problem, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: body.status,
    headers: { ...headers, 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
    body: JSON.stringify(body),
  };
}
