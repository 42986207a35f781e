/**
 * The OpenAPI 3.1 document (API.md: "generated from the zod schemas and served at
 * GET /v1/openapi.json"), built from the route table and each route's contract, so it describes
 * exactly what the chain validates.
 *
 * Every operation lists its success responses and the problems it may answer with: those of its
 * contract, plus the ones any route can give (400 and 413 always, 401 unless public, 415 when it
 * takes a body, 500).
 */
import * as z from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { routeKey, routes, type RouteDefinition } from '../routes.ts';
import { JSON_MEDIA_TYPES } from './json-body.ts';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, type ProblemSlug } from './problem.ts';
import { Problem, type RouteContract } from './schemas/common.ts';
import { contracts } from './schemas/index.ts';

export type OpenApiDocument = ReturnType<typeof createDocument>;

export const OPENAPI_VERSION = '3.1.0';
export const BEARER_SCHEME = 'bearer';

/** Builds the document. `serverUrl` is where the API is served, when known (e.g. http://localhost:3000). */
export function buildOpenApiDocument(options: { serverUrl?: string } = {}): OpenApiDocument {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const contract: RouteContract = contracts[routeKey(route) as keyof typeof contracts];
    const pathItem = (paths[route.path] ??= {});
    pathItem[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'] = operation(route, contract);
  }
  return createDocument(
    {
      openapi: OPENAPI_VERSION,
      info: {
        title: 'Chartproof API',
        version: '1',
        description:
          'Health records (FHIR R4) encrypted under KMS, with every change and access in an append-only journal anyone can verify. ' +
          'Errors are RFC 9457 application/problem+json.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      ...(options.serverUrl === undefined ? {} : { servers: [{ url: options.serverUrl }] }),
      security: [{ [BEARER_SCHEME]: [] }],
      components: {
        securitySchemes: {
          [BEARER_SCHEME]: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'A Cognito ID token (locally: `npm run token`); cognito:groups holds one of patient, practitioner, auditor, admin',
          },
        },
      },
      paths,
    },
    {
      // API.md: "Fields may be added", so response schemas must not forbid unknown properties.
      override: ({ jsonSchema, io }) => {
        if (io === 'output' && jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
      },
    },
  );
}

function operation(route: RouteDefinition, contract: RouteContract): ZodOpenApiOperationObject {
  const { params, query, headers, body } = contract.request;
  return {
    operationId: operationIdOf(route),
    summary: contract.summary,
    ...(contract.description === undefined ? {} : { description: contract.description }),
    tags: [...contract.tags],
    ...(route.public === true ? { security: [] } : {}),
    requestParams: {
      ...(params === undefined ? {} : { path: params }),
      ...(query === undefined ? {} : { query }),
      ...(headers === undefined ? {} : { header: headers }),
    },
    ...(body === undefined
      ? {}
      : {
          requestBody: {
            required: !body.safeParse(undefined).success,
            content: Object.fromEntries(JSON_MEDIA_TYPES.map((media) => [media, { schema: body }])),
          },
        }),
    responses: { ...successResponses(contract), ...problemResponses(route, contract) },
  };
}

function successResponses(contract: RouteContract): ZodOpenApiResponsesObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, response] of Object.entries(contract.responses)) {
    responses[status as `${1 | 2 | 3 | 4 | 5}${string}`] = {
      description: response.description,
      content: Object.fromEntries(Object.entries(response.content).map(([media, schema]) => [media, { schema: schema as z.ZodType }])),
      ...(response.headers === undefined ? {} : { headers: response.headers }),
    };
  }
  return responses;
}

/** The problems a route may answer with, grouped by status: one response per status, naming its problem types. */
function problemResponses(route: RouteDefinition, contract: RouteContract): ZodOpenApiResponsesObject {
  const slugs = new Set<ProblemSlug>(['invalid-request', 'payload-too-large', 'internal-error', ...contract.problems]);
  if (route.public !== true) slugs.add('unauthenticated');
  if (contract.request.body !== undefined) slugs.add('unsupported-media-type');
  const byStatus = new Map<number, ProblemSlug[]>();
  for (const slug of slugs) byStatus.set(PROBLEM_TYPES[slug].status, [...(byStatus.get(PROBLEM_TYPES[slug].status) ?? []), slug]);
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, statusSlugs] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status) as `${1 | 2 | 3 | 4 | 5}${string}`] = {
      description: statusSlugs.map((slug) => `${PROBLEM_TYPES[slug].title} (${slug})`).join('; '),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem } },
    };
  }
  return responses;
}

/** "functions/handlers/read-record-history.ts" → "readRecordHistory". */
function operationIdOf(route: RouteDefinition): string {
  const name = route.handler.replace(/^.*\//, '').replace(/\.ts$/, '');
  return name.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}
