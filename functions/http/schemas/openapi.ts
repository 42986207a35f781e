/** GET /v1/openapi.json (API.md "Routes"). */
import * as z from 'zod';
import type { RouteContract } from './common.ts';

export const OpenApiDocument = z.looseObject({ openapi: z.string() }).meta({ description: 'An OpenAPI 3.1 document' });

export const getOpenApi = {
  summary: 'This API, as OpenAPI 3.1',
  tags: ['meta'],
  request: {},
  responses: { 200: { description: 'The OpenAPI document', content: { 'application/json': OpenApiDocument } } },
  problems: [],
} as const satisfies RouteContract;
