import { access } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { contracts } from '../../functions/http/schemas/index.ts';
import { routeFor, routeKey, routes } from '../../functions/routes.ts';

// API.md "Routes", in its order.
const API_MD_ROUTES = [
  'POST /v1/patients',
  'POST /v1/patients/{patientId}/records',
  'GET /v1/patients/{patientId}/records',
  'GET /v1/patients/{patientId}/records/{recordId}',
  'PUT /v1/patients/{patientId}/records/{recordId}',
  'GET /v1/patients/{patientId}/records/{recordId}/history',
  'POST /v1/patients/{patientId}/consents',
  'GET /v1/patients/{patientId}/consents',
  'DELETE /v1/patients/{patientId}/consents/{consentId}',
  'GET /v1/patients/{patientId}/access-log',
  'GET /v1/patients/{patientId}/notification-preferences',
  'PUT /v1/patients/{patientId}/notification-preferences',
  'POST /v1/patients/{patientId}/erasure',
  'GET /v1/ledger/checkpoint',
  'GET /v1/ledger/key',
  'GET /v1/ledger/entries/{index}',
  'GET /v1/ledger/consistency',
  'GET /v1/openapi.json',
];
const PUBLIC_ROUTES = ['GET /v1/ledger/checkpoint', 'GET /v1/ledger/key', 'GET /v1/ledger/consistency', 'GET /v1/openapi.json'];

describe('the route table', () => {
  it('has exactly the routes of API.md, in its order', () => {
    expect(routes.map(routeKey)).toEqual(API_MD_ROUTES);
  });

  it('makes public exactly the routes API.md calls public', () => {
    expect(routes.filter((route) => route.public === true).map(routeKey)).toEqual(PUBLIC_ROUTES);
  });

  it('has a contract for every route, and none for routes it lacks', () => {
    expect(Object.keys(contracts).sort()).toEqual([...API_MD_ROUTES].sort());
  });

  it('names one handler module per route, under functions/handlers/', () => {
    const modules = routes.map((route) => route.handler);

    expect(new Set(modules).size).toBe(routes.length);
    for (const module of modules) expect(module).toMatch(/^functions\/handlers\/[a-z-]+\.ts$/);
  });

  it('finds a route by its key', () => {
    expect(routeFor('GET /v1/ledger/key')).toEqual({ method: 'GET', path: '/v1/ledger/key', handler: 'functions/handlers/get-verifier-key.ts', public: true });
  });

  it('has the OpenAPI handler module in place', async () => {
    await expect(access(routeFor('GET /v1/openapi.json').handler)).resolves.toBeUndefined();
  });
});
