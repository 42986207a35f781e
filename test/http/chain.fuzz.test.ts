/**
 * Fuzzing the chain: whatever arrives (bodies of any shape and size, any headers and content
 * types, any claims and parameters), the answer is a response, never a 500, and every refusal is
 * a well-formed problem.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpHandler, type ApiGatewayHandler } from '../../functions/http/chain.ts';
import { FhirResource, Identifier, integerParameter } from '../../functions/http/schemas/common.ts';
import { z } from 'zod';
import { apiGatewayEvent, capturedObservability, lambdaContext, PATIENT_CLAIMS, PRACTITIONER_CLAIMS } from './support.ts';

let capture: ReturnType<typeof capturedObservability>;
let handler: ApiGatewayHandler;
beforeAll(() => {
  capture = capturedObservability();
  handler = httpHandler(
    {
      route: { method: 'PUT', path: '/v1/patients/{patientId}/records/{recordId}' },
      schemas: {
        params: z.object({ patientId: Identifier, recordId: Identifier }),
        query: z.object({ version: integerParameter({ min: 1 }).optional() }),
        headers: z.object({ 'if-match': z.string().regex(/^[1-9][0-9]{0,5}$/).optional() }),
        body: z.strictObject({ resource: FhirResource, category: z.string().max(64).optional() }),
      },
      handle: async ({ body }) => ({ status: 200, body: { resourceType: body.resource.resourceType } }),
    },
    { observability: capture.observability },
  );
});
afterAll(() => capture.restore());

const sizes = fc.constantFrom(0, 1, 1_114_111, 1_114_112, 1_114_113, 2_000_000);
const resources = fc.record({
  resourceType: fc.oneof({ arbitrary: fc.constantFrom('Observation', 'Patient', 'Bundle'), weight: 4 }, { arbitrary: fc.string(), weight: 1 }),
  extra: fc.jsonValue(),
});
const bodies = fc.oneof(
  { arbitrary: fc.record({ resource: resources, category: fc.option(fc.string(), { nil: undefined }) }, { requiredKeys: ['resource'] }).map((value) => JSON.stringify(value)), weight: 6 },
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: fc.string(), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary' }), weight: 1 },
  { arbitrary: fc.json(), weight: 1 },
  { arbitrary: fc.jsonValue().map((value) => JSON.stringify({ resource: value })), weight: 1 },
  { arbitrary: fc.tuple(fc.integer({ min: 0, max: 200 }), fc.constantFrom('[', '{"a":')).map(([depth, open]) => open.repeat(depth)), weight: 1 },
  { arbitrary: sizes.map((size) => `{"resource":{"resourceType":"Observation","note":"${'x'.repeat(Math.max(0, size - 45))}"}}`), weight: 1 },
);
const contentTypes = fc.oneof(
  { arbitrary: fc.constantFrom('application/json', 'application/fhir+json', 'application/json; charset=utf-8'), weight: 6 },
  { arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/json; charset=utf-16', ''), weight: 1 },
  { arbitrary: fc.string(), weight: 1 },
);
const claims = fc.oneof(
  { arbitrary: fc.constantFrom(PATIENT_CLAIMS, PRACTITIONER_CLAIMS), weight: 6 },
  { arbitrary: fc.constant(undefined), weight: 1 },
  { arbitrary: fc.dictionary(fc.constantFrom('sub', 'cognito:groups', 'custom:patient_id', 'exp'), fc.string()), weight: 1 },
);
const parameterValues = fc.oneof({ arbitrary: fc.constantFrom('p-1', 'r-1', 'a%3Ab'), weight: 4 }, { arbitrary: fc.string(), weight: 1 }, { arbitrary: fc.constantFrom('%E0%A4%A', '%2F', ''), weight: 1 });

const events = fc
  .record({
    body: bodies,
    isBase64Encoded: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
    contentType: contentTypes,
    extraHeaders: fc.dictionary(fc.string({ minLength: 1 }), fc.string(), { maxKeys: 4 }),
    claims,
    pathParameters: fc.oneof(
      { arbitrary: fc.record({ patientId: parameterValues, recordId: parameterValues }), weight: 6 },
      { arbitrary: fc.constant(null), weight: 1 },
      { arbitrary: fc.record({ patientId: parameterValues, recordId: parameterValues }, { requiredKeys: [] }), weight: 1 },
    ),
    query: fc.oneof(
      { arbitrary: fc.constant(null), weight: 4 },
      { arbitrary: fc.dictionary(fc.constantFrom('version', 'x'), fc.oneof(fc.string(), fc.constantFrom('1', '07', '1e2')), { maxKeys: 2 }), weight: 1 },
    ),
  })
  .map(({ body, isBase64Encoded, contentType, extraHeaders, claims: eventClaims, pathParameters, query }): APIGatewayProxyEvent =>
    apiGatewayEvent({
      httpMethod: 'PUT',
      body: body !== null && isBase64Encoded ? Buffer.from(body).toString('base64') : body,
      isBase64Encoded,
      headers: { ...extraHeaders, ...(contentType === undefined ? {} : { 'Content-Type': contentType }) },
      claims: eventClaims as Record<string, string> | undefined,
      pathParameters,
      queryStringParameters: query,
    }),
  );

const REFUSALS = [400, 401, 413, 415];

function isWellFormedRefusal(result: APIGatewayProxyResult): boolean {
  if (!REFUSALS.includes(result.statusCode) || result.headers?.['content-type'] !== 'application/problem+json') return false;
  const problem = JSON.parse(result.body) as Record<string, unknown>;
  return (
    typeof problem.type === 'string' &&
    /^https:\/\/chartproof\.dev\/problems\/[a-z-]+$/.test(problem.type) &&
    typeof problem.title === 'string' &&
    problem.status === result.statusCode &&
    typeof problem.detail === 'string' &&
    problem.detail !== ''
  );
}

describe('httpHandler under arbitrary input', () => {
  it('never answers 500, and refuses only with well-formed problems', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(events, async (event) => {
        const result = await handler(event, lambdaContext());
        statuses.set(result.statusCode, (statuses.get(result.statusCode) ?? 0) + 1);

        return result.statusCode === 200 || isWellFormedRefusal(result);
      }),
      { numRuns: 400 },
    );

    // The generators reach the use case as well as every refusal, or the property proves little.
    expect([...statuses.keys()].sort()).toEqual([200, 400, 401, 413, 415]);
  });
});
