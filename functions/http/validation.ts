/**
 * zod validation of one part of a request, with failures as ValidationError field issues named by
 * where they are: "params.patientId", "query.limit", "headers.if-match", "body.resource.resourceType".
 *
 * zod's default messages describe what was expected (and the type received), never the value, so
 * they can be returned to the client as they are.
 */
import type { z } from 'zod';
import { ValidationError, type FieldIssue } from '../../shared/errors.ts';

export type RequestPart = 'params' | 'query' | 'headers' | 'body';

/** A client rarely needs more than the first few; a huge array must not make a huge response. */
const MAX_ISSUES = 20;

/**
 * Validates each part that has a schema (a part without one comes out undefined) and reports the
 * failures of all parts together, so a client fixes its request in one round trip.
 */
export function validateParts(
  parts: Partial<Record<RequestPart, { schema: z.ZodType | undefined; value: unknown }>>,
): Record<RequestPart, unknown> {
  const output: Record<RequestPart, unknown> = { params: undefined, query: undefined, headers: undefined, body: undefined };
  const issues: FieldIssue[] = [];
  for (const [part, { schema, value }] of Object.entries(parts) as [RequestPart, { schema: z.ZodType | undefined; value: unknown }][]) {
    if (schema === undefined) continue;
    const result = schema.safeParse(value);
    if (result.success) output[part] = result.data;
    else issues.push(...issuesOf(result.error, part));
  }
  if (issues.length > 0) throw new ValidationError(issues.slice(0, MAX_ISSUES));
  return output;
}

/** The issues of a zod error as field issues under `part`. */
export function issuesOf(error: z.ZodError, part: RequestPart): FieldIssue[] {
  const issues = error.issues.slice(0, MAX_ISSUES).map((issue) => ({ path: pathOf(part, issue.path), message: issue.message }));
  return issues.length > 0 ? issues : [{ path: part, message: 'is invalid' }];
}

function pathOf(part: RequestPart, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (joined, segment) => (typeof segment === 'number' ? `${joined}[${segment}]` : `${joined}.${String(segment)}`),
    part,
  );
}
