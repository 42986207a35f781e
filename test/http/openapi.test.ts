import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/handlers/get-openapi.ts';
import { buildOpenApiDocument } from '../../functions/http/openapi.ts';
import { routes } from '../../functions/routes.ts';
import { apiGatewayEvent, capturedObservability, lambdaContext, parsedBody } from './support.ts';

type Json = Record<string, unknown>;
type Operation = {
  operationId: string;
  summary: string;
  security?: unknown[];
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Json }> }>;
};

const document = buildOpenApiDocument({ serverUrl: 'http://localhost:3000' }) as unknown as Json & {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; securitySchemes: Json };
};

function operationOf(method: string, path: string): Operation {
  const operation = document.paths[path]?.[method.toLowerCase()];
  if (operation === undefined) throw new Error(`${method} ${path} is not documented`);
  return operation;
}

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') found.push(item);
      else refsIn(item, found);
    }
  }
  return found;
}

describe('OpenAPI document', () => {
  it('is an OpenAPI 3.1 document with info, a server and bearer security', () => {
    expect(document).toMatchObject({
      openapi: '3.1.0',
      info: { title: 'Chartproof API', version: '1' },
      servers: [{ url: 'http://localhost:3000' }],
      security: [{ bearer: [] }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    });
  });

  it('documents every route of the table, and nothing else', () => {
    const documented = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));

    expect(documented.sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('gives every operation a unique operationId and a summary', () => {
    const operations = routes.map((route) => operationOf(route.method, route.path));

    expect(new Set(operations.map((operation) => operation.operationId)).size).toBe(routes.length);
    for (const operation of operations) expect(operation.summary).not.toBe('');
  });

  it.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))('declares every path parameter of %s as required', (_key, route) => {
    const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);

    const declared = (operationOf(route.method, route.path).parameters ?? []).filter((parameter) => parameter.in === 'path');

    expect(declared.map((parameter) => parameter.name).sort()).toEqual([...names].sort());
    for (const parameter of declared) expect(parameter.required).toBe(true);
  });

  it('lifts security only from public routes', () => {
    for (const route of routes) {
      expect(operationOf(route.method, route.path).security).toEqual(route.public === true ? [] : undefined);
    }
  });

  it('gives every operation a 2xx response with content and problem+json errors', () => {
    for (const route of routes) {
      const { responses } = operationOf(route.method, route.path);
      const statuses = Object.keys(responses);
      expect(statuses.some((status) => /^2\d\d$/.test(status))).toBe(true);
      for (const status of statuses.filter((candidate) => Number(candidate) >= 400)) {
        expect(responses[status]?.content).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } });
      }
      expect(statuses).toEqual(expect.arrayContaining(['400', '413', '500']));
      expect(statuses.includes('401')).toBe(route.public !== true);
    }
  });

  it('accepts JSON and FHIR JSON bodies and documents 415 where a body is taken', () => {
    const operation = operationOf('POST', '/v1/patients/{patientId}/records');

    expect(Object.keys(operation.requestBody?.content ?? {})).toEqual(['application/json', 'application/fhir+json']);
    expect(operation.responses['415']).toBeDefined();
  });

  it('names integrity-failure among the problems of a record read', () => {
    expect(operationOf('GET', '/v1/patients/{patientId}/records/{recordId}').responses['500']?.description).toMatch(/\(integrity-failure\)/);
  });

  it('documents integer parameters as integers', () => {
    const parameters = operationOf('GET', '/v1/ledger/consistency').parameters;

    expect(parameters).toEqual([
      expect.objectContaining({ in: 'query', name: 'from', required: true, schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } }),
      expect.objectContaining({ in: 'query', name: 'to', required: true, schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } }),
    ]);
  });

  it('serves text/plain for the checkpoint and the key', () => {
    for (const path of ['/v1/ledger/checkpoint', '/v1/ledger/key']) {
      expect(Object.keys(operationOf('GET', path).responses['200']?.content ?? {})).toEqual(['text/plain; charset=utf-8']);
    }
  });

  it('resolves every $ref to a component schema, and references every component schema', () => {
    const refs = refsIn(document.paths).concat(refsIn(document.components.schemas));
    const names = Object.keys(document.components.schemas);

    for (const ref of refs) expect(names).toContain(ref.replace('#/components/schemas/', ''));
    for (const name of names) expect(refs).toContain(`#/components/schemas/${name}`);
    expect(names).toEqual(expect.arrayContaining(['Problem', 'JournalReceipt', 'FhirResource', 'ConsentScope', 'EntryProof']));
  });

  it('lets responses gain fields (API.md), but not requests', () => {
    const response = operationOf('POST', '/v1/patients/{patientId}/records').responses['201']?.content?.['application/json']?.schema;
    const request = (operationOf('POST', '/v1/patients/{patientId}/records').requestBody?.content['application/json'] as { schema: Json }).schema;

    expect(response).not.toHaveProperty('additionalProperties');
    expect(request).toHaveProperty('additionalProperties', false);
  });
});

describe('GET /v1/openapi.json', () => {
  it('serves the document as JSON, publicly', async () => {
    const capture = capturedObservability();
    try {
      const handler = makeHandler({ observability: capture.observability });

      const result = await handler(apiGatewayEvent({ httpMethod: 'GET', resource: '/v1/openapi.json', path: '/v1/openapi.json', pathParameters: null }), lambdaContext());

      expect(result.statusCode).toBe(200);
      expect(result.headers?.['content-type']).toBe('application/json');
      expect(parsedBody(result)).toMatchObject({ openapi: '3.1.0', paths: expect.objectContaining({ '/v1/openapi.json': expect.any(Object) }) });
    } finally {
      capture.restore();
    }
  });
});
