/**
 * Bad input over every records and ledger route, over HTTP against the local server with the
 * embedded defaults (ARCHITECTURE.md "What must hold": a clear 4xx refusal, never a 500, and
 * nothing written). Each generated request carries at least one defect: a missing, garbage,
 * expired, forged, wrong-algorithm or wrongly-signed token; a body that is not JSON, not the
 * route's shape, nested too deep or too large; a wrong content type; a malformed path id, header or
 * query parameter. Everything else about it is what an authorized actor would send, so the defect
 * alone must be what refuses it. After every request: a problem+json 4xx, the journal the same
 * size, and no object stored.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Problem } from '../../functions/http/schemas/common.ts';
import { RegisterPatientRequest } from '../../functions/http/schemas/patients.ts';
import { WriteRecordRequest } from '../../functions/http/schemas/records.ts';
import { startLocalApi, type RunningApi } from '../../functions/local/local-api.ts';
import { LOCAL_TOKEN_AUDIENCE, LOCAL_TOKEN_ISSUER, mintLocalToken, openLocalTokenKeys } from '../../functions/local/tokens.ts';
import { MAX_REQUEST_BODY_BYTES } from '../../functions/http/json-body.ts';
import { apiClient, type ApiClient } from './support/api-client.ts';

let api: RunningApi;
let client: ApiClient;
let dataDir: string;
let patientId: string;
let recordId: string;
const tokens: Record<'admin' | 'practitioner' | 'patient' | 'auditor', string> = { admin: '', practitioner: '', patient: '', auditor: '' };

type Defective = { method: string; path: string; token?: string; headers: Record<string, string>; body?: string; what: string };

const observation = { resourceType: 'Observation', status: 'final', code: { text: 'fuzz' } };
const validRecordBody = JSON.stringify({ resource: observation });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'chartproof-bad-input-'));
  api = await startLocalApi({ config: { dataDir, origin: 'chartproof.test/journal', logLevel: 'SILENT' }, port: 0 });
  client = apiClient(api.url);
  const { privateKey } = await openLocalTokenKeys({ dataDir });
  tokens.admin = await mintLocalToken({ privateKey, role: 'admin', sub: 'admin-1' });
  tokens.practitioner = await mintLocalToken({ privateKey, role: 'practitioner', sub: 'practitioner-1' });
  tokens.auditor = await mintLocalToken({ privateKey, role: 'auditor', sub: 'auditor-1' });
  patientId = ((await client.request('POST', '/v1/patients', { token: tokens.admin, body: {} })).json as { patientId: string }).patientId;
  tokens.patient = await mintLocalToken({ privateKey, role: 'patient', sub: 'patient-1', patientId });
  const created = await client.request('POST', `/v1/patients/${patientId}/records`, { token: tokens.practitioner, body: { resource: observation } });
  recordId = (created.json as { recordId: string }).recordId;
});

afterAll(async () => {
  await api?.close();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

/** The routes with an actor allowed to call them, and a request that would succeed. */
const routes = () => [
  { method: 'POST', path: '/v1/patients', token: tokens.admin, body: '{}' },
  { method: 'POST', path: `/v1/patients/${patientId}/records`, token: tokens.practitioner, body: validRecordBody },
  { method: 'GET', path: `/v1/patients/${patientId}/records`, token: tokens.patient },
  { method: 'GET', path: `/v1/patients/${patientId}/records/${recordId}`, token: tokens.patient },
  { method: 'PUT', path: `/v1/patients/${patientId}/records/${recordId}`, token: tokens.practitioner, body: validRecordBody, headers: { 'if-match': '999' } },
  { method: 'GET', path: `/v1/patients/${patientId}/records/${recordId}/history`, token: tokens.patient },
  { method: 'GET', path: '/v1/ledger/entries/0', token: tokens.auditor },
];

const otherKey = generateKeyPairSync('ed25519').privateKey;

/** Tokens that must all be refused with 401. */
const badToken = fc.constantFrom(
  async () => undefined,
  async () => 'not-a-jwt',
  async () => 'a.b.c',
  async () => new UnsecuredJWT({ 'cognito:groups': ['admin'] }).setSubject('admin-1').setIssuer(LOCAL_TOKEN_ISSUER).setAudience(LOCAL_TOKEN_AUDIENCE).setExpirationTime('1h').encode(),
  async () =>
    new SignJWT({ 'cognito:groups': ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('admin-1')
      .setIssuer(LOCAL_TOKEN_ISSUER)
      .setAudience(LOCAL_TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('a-guessed-shared-secret-of-32-bytes!')),
  async () =>
    new SignJWT({ 'cognito:groups': ['admin'] })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject('admin-1')
      .setIssuer(LOCAL_TOKEN_ISSUER)
      .setAudience(LOCAL_TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(otherKey),
  async () => {
    const { privateKey } = await openLocalTokenKeys({ dataDir });
    return mintLocalToken({ privateKey, role: 'admin', sub: 'admin-1', expiresInSeconds: 60, now: new Date(Date.now() - 3_600_000) });
  },
);

const nestingBomb = fc.integer({ min: 65, max: 20_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`);
const notJson = fc.string({ minLength: 1, maxLength: 200 }).filter((text) => {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
});
const wrongShape = fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value));
const tooLarge = fc.constantFrom('x', 'é').map((unit) => JSON.stringify({ resource: { ...observation, note: [{ text: unit.repeat(MAX_REQUEST_BODY_BYTES) }] } }));
const resourceOverLimit = fc.integer({ min: 1, max: 1000 }).map((extra) => JSON.stringify({ resource: { ...observation, note: [{ text: 'y'.repeat(1024 * 1024 + extra) }] } }));
const wrongContentType = fc.constantFrom(undefined, 'text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=latin1', 'json', 'application/jsonx');
const badPathId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 80 }),
  fc.constantFrom('00000000-0000-0000-0000-00000000000', 'ZZZZZZZZ-0000-4000-8000-000000000000', `${randomUUID().toUpperCase()}`, '%00', '%ZZ', 'a'.repeat(300)),
).filter((id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id) && id !== '.' && id !== '..');
const badIfMatch = fc.oneof(fc.constantFrom('', '0', '-1', 'W/"x"', '"1', 'abc', '1.5', '99999999999999999999'), fc.string({ maxLength: 20 }).filter((v) => !/^"?[1-9][0-9]{0,15}"?$/.test(v)));
const badIdempotencyKey = fc.oneof(
  fc.constantFrom('has space', '{json}', 'a'.repeat(256), '"a"b"', 'semi;colon', 'comma,list'),
  fc.string({ minLength: 1, maxLength: 40 }).filter((key) => /^[\x20-\x7e]+$/.test(key) && !/^"?[A-Za-z0-9+/=._:-]{1,255}"?$/.test(key) && key.trim() === key),
);
const badBreakGlassReason = fc.constantFrom(' ', '\t', 'x'.repeat(501));
const badListQuery = fc.constantFrom('limit=0', 'limit=101', 'limit=abc', 'limit=-1', 'limit=', 'cursor=%20', 'cursor=not*a*cursor', 'cursor=bm90LWEtY3Vyc29y');
const badReadQuery = fc.constantFrom('version=0', 'version=x', 'version=1e3', 'version=-1', 'version=', 'version=01');

/** Replaces the n-th path segment that is an id with `id`. */
function withPathId(path: string, id: string, which: number): string {
  const segments = path.split('/');
  const idPositions = segments.flatMap((segment, position) => (/^[0-9a-f-]{36}$/.test(segment) ? [position] : []));
  const position = idPositions[which % Math.max(1, idPositions.length)];
  if (position === undefined) return path;
  segments[position] = encodeURIComponent(id);
  return segments.join('/');
}

const defective: fc.Arbitrary<() => Promise<Defective>> = fc.oneof(
  fc.tuple(fc.nat(), badToken).map(([n, token]) => async () => {
    const route = routes()[n % routes().length] ?? routes()[0];
    return { method: route!.method, path: route!.path, token: await token(), headers: { 'content-type': 'application/json', ...route!.headers }, body: route!.body, what: 'bad token' };
  }),
  fc.tuple(fc.nat(), fc.oneof(notJson, wrongShape, nestingBomb)).map(([n, body]) => async () => {
    const writes = routes().filter((route) => route.body !== undefined);
    const route = writes[n % writes.length] ?? writes[0];
    const parsed = (() => {
      try {
        return JSON.parse(body) as unknown;
      } catch {
        return undefined;
      }
    })();
    // A generated body that happens to be valid for the route is no defect: make it one.
    const valid = parsed !== undefined && (route!.path === '/v1/patients' ? RegisterPatientRequest : WriteRecordRequest).safeParse(parsed).success;
    return { method: route!.method, path: route!.path, token: route!.token, headers: { 'content-type': 'application/json', ...route!.headers }, body: valid ? `${body}}` : body, what: 'bad body' };
  }),
  fc.tuple(fc.nat(), fc.oneof({ weight: 1, arbitrary: tooLarge }, { weight: 2, arbitrary: resourceOverLimit })).map(([n, body]) => async () => {
    const writes = routes().filter((route) => route.body !== undefined && route.path !== '/v1/patients');
    const route = writes[n % writes.length] ?? writes[0];
    return { method: route!.method, path: route!.path, token: route!.token, headers: { 'content-type': 'application/json', ...route!.headers }, body, what: 'too large' };
  }),
  fc.tuple(fc.nat(), wrongContentType).map(([n, contentType]) => async () => {
    const writes = routes().filter((route) => route.body !== undefined);
    const route = writes[n % writes.length] ?? writes[0];
    return { method: route!.method, path: route!.path, token: route!.token, headers: { ...(contentType === undefined ? {} : { 'content-type': contentType }), ...route!.headers }, body: route!.body, what: `content type ${contentType}` };
  }),
  fc.tuple(fc.nat(), fc.nat(), badPathId).map(([n, which, id]) => async () => {
    const withIds = routes().filter((route) => route.path.includes(patientId));
    const route = withIds[n % withIds.length] ?? withIds[0];
    return { method: route!.method, path: withPathId(route!.path, id, which), token: route!.token, headers: { 'content-type': 'application/json', ...route!.headers }, body: route!.body, what: 'bad path id' };
  }),
  badIfMatch.map((ifMatch) => async () => ({
    method: 'PUT',
    path: `/v1/patients/${patientId}/records/${recordId}`,
    token: tokens.practitioner,
    headers: { 'content-type': 'application/json', ...(ifMatch === '' ? {} : { 'if-match': ifMatch }) },
    body: validRecordBody,
    what: 'bad If-Match',
  })),
  fc.tuple(fc.nat(), badIdempotencyKey).map(([n, key]) => async () => {
    const posts = routes().filter((route) => route.method === 'POST');
    const route = posts[n % posts.length] ?? posts[0];
    return { method: 'POST', path: route!.path, token: route!.token, headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: route!.body, what: `bad Idempotency-Key ${JSON.stringify(key)}` };
  }),
  badBreakGlassReason.map((reason) => async () => ({
    method: 'GET',
    path: `/v1/patients/${patientId}/records/${recordId}`,
    token: tokens.patient,
    headers: { 'x-break-glass-reason': reason },
    what: 'bad X-Break-Glass-Reason',
  })),
  badListQuery.map((query) => async () => ({ method: 'GET', path: `/v1/patients/${patientId}/records?${query}`, token: tokens.patient, headers: {}, what: `bad query ${query}` })),
  badReadQuery.map((query) => async () => ({ method: 'GET', path: `/v1/patients/${patientId}/records/${recordId}?${query}`, token: tokens.patient, headers: {}, what: `bad query ${query}` })),
  fc.constantFrom('/v1/ledger/entries/-1', '/v1/ledger/entries/abc', '/v1/ledger/entries/0?treeSize=0', '/v1/ledger/entries/99999999', '/v1/ledger/consistency?from=0&to=1', '/v1/ledger/consistency?from=5&to=2', '/v1/ledger/consistency?from=x').map((path) => async () => ({
    method: 'GET',
    path,
    token: tokens.auditor,
    headers: {},
    what: 'bad ledger query',
  })),
);

async function storedObjects(): Promise<number> {
  const entries = await readdir(join(dataDir, 'objects'), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).length;
}

describe('bad input over HTTP', () => {
  it('is always refused with a 4xx problem, never a 500, and nothing is written', async () => {
    const journalBefore = (await api.app.database.journal.treeHead()).size;
    const objectsBefore = await storedObjects();

    await fc.assert(
      fc.asyncProperty(defective, async (build) => {
        const request = await build();
        const response = await client.request(request.method, request.path, { token: request.token, headers: request.headers, body: request.body, defaultContentType: false });
        const problem = Problem.safeParse(response.json);
        const after = [(await api.app.database.journal.treeHead()).size, await storedObjects()];
        const outcome = { what: request.what, status: response.status, contentType: response.contentType, problem: problem.success, after };
        expect(outcome).toEqual({ what: request.what, status: expect.toSatisfy((status: number) => status >= 400 && status < 500), contentType: 'application/problem+json', problem: true, after: [journalBefore, objectsBefore] });
      }),
      { numRuns: 250 },
    );
  });
});
