/**
 * GET and PUT /v1/patients/{patientId}/notification-preferences over HTTP:
 * - on the local server (embedded defaults, any webhook host allowed): round trip, the default,
 *   and bad input of every kind answered 4xx application/problem+json with nothing written;
 * - through the handler modules as the AWS composition wires them (public webhook hosts only,
 *   with a stub resolver): a private webhook target is 422 webhook-target-refused, nothing is
 *   written, and neither the response nor the logs hold an address.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../functions/api-deps.ts';
import { makeHandler as makeReadHandler } from '../../functions/handlers/read-notification-preferences.ts';
import { makeHandler as makeUpdateHandler } from '../../functions/handlers/update-notification-preferences.ts';
import { createLogger } from '../../functions/http/observability.ts';
import { PROBLEM_CONTENT_TYPE } from '../../functions/http/problem.ts';
import { startLocalApi, type RunningApi } from '../../functions/local/local-api.ts';
import { mintLocalToken, openLocalTokenKeys } from '../../functions/local/tokens.ts';
import { SqlNotificationStore } from '../../shared/adapters/sql/notification-store.ts';
import { createSqlPatientControl } from '../../shared/adapters/sql/patient-control.ts';
import type { NotificationPreferences } from '../../shared/notifications/preferences.ts';
import { apiClient, type ApiClient } from '../e2e/support/api-client.ts';
import { apiGatewayEvent, capturedObservability, lambdaContext, parsedBody } from '../http/support.ts';
import { openRecordsFixture, type RecordsFixture } from '../records-api/support/records-fixture.ts';

const PREFERENCES: NotificationPreferences = {
  channels: [
    { type: 'email', address: 'pat@example.org' },
    { type: 'sms', address: '+14155550123' },
    { type: 'webhook', address: 'https://hooks.example.org/chartproof' },
  ],
  mode: 'immediate',
};

const BAD_BODIES: [string, unknown, number][] = [
  ['a bad email', { channels: [{ type: 'email', address: 'pat@' }], mode: 'immediate' }, 400],
  ['a phone number that is not E.164', { channels: [{ type: 'sms', address: '4155550123' }], mode: 'immediate' }, 400],
  ['an http:// webhook', { channels: [{ type: 'webhook', address: 'http://hooks.example.org/x' }], mode: 'immediate' }, 400],
  ['a webhook that is not a URL', { channels: [{ type: 'webhook', address: 'hooks.example.org' }], mode: 'immediate' }, 400],
  ['too many channels', { channels: Array.from({ length: 6 }, (_, n) => ({ type: 'email', address: `p${n}@example.org` })), mode: 'immediate' }, 400],
  ['the same channel twice', { channels: [{ type: 'sms', address: '+14155550123' }, { type: 'sms', address: '+14155550123' }], mode: 'immediate' }, 400],
  ['a mode of the wrong type', { channels: [], mode: 1 }, 400],
  ['channels of the wrong type', { channels: { type: 'email', address: 'pat@example.org' }, mode: 'immediate' }, 400],
  ['an address of the wrong type', { channels: [{ type: 'email', address: ['pat@example.org'] }], mode: 'immediate' }, 400],
  ['an unknown field', { channels: [], mode: 'immediate', extra: true }, 400],
  ['no body', undefined, 400],
  ['a JSON array', [], 400],
  ['a huge body', { channels: [], mode: 'immediate', padding: 'x'.repeat(2 * 1024 * 1024) }, 413],
];

describe('notification preferences on the local server', () => {
  let api: RunningApi;
  let client: ApiClient;
  let dataDir: string;
  let patientId: string;
  let token: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chartproof-preferences-'));
    api = await startLocalApi({ config: { dataDir, origin: 'chartproof.test/journal', logLevel: 'SILENT' }, port: 0, logger: createLogger({ serviceName: 'preferences', logLevel: 'SILENT' }) });
    client = apiClient(api.url);
    const { privateKey } = await openLocalTokenKeys({ dataDir });
    const admin = await mintLocalToken({ privateKey, role: 'admin', sub: 'admin-1' });
    patientId = ((await client.request('POST', '/v1/patients', { token: admin, body: {} })).json as { patientId: string }).patientId;
    token = await mintLocalToken({ privateKey, role: 'patient', sub: 'pat-1', patientId });
  });

  afterAll(async () => {
    await api?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const path = () => `/v1/patients/${patientId}/notification-preferences`;

  it('answers the default before anything is saved, then what was saved', async () => {
    const before = await client.request('GET', path(), { token });
    const put = await client.request('PUT', path(), { token, body: PREFERENCES });
    const after = await client.request('GET', path(), { token });

    expect([before.status, before.json, put.status, put.json, after.status, after.json]).toEqual([200, { channels: [], mode: 'immediate' }, 200, PREFERENCES, 200, PREFERENCES]);
  });

  it('lets a local webhook receiver on a private address be saved (local mode)', async () => {
    const local: NotificationPreferences = { channels: [{ type: 'webhook', address: 'https://127.0.0.1:8443/hook' }], mode: 'digest' };

    const put = await client.request('PUT', path(), { token, body: local });
    await client.request('PUT', path(), { token, body: PREFERENCES });

    expect([put.status, put.json]).toEqual([200, local]);
  });

  it.each(BAD_BODIES)('answers %s with a problem (%#) and writes nothing', async (_name, body, status) => {
    // Prepare
    await client.request('PUT', path(), { token, body: PREFERENCES });

    // Act
    const response = await client.request('PUT', path(), { token, ...(body === undefined ? {} : { body }), headers: { 'content-type': 'application/json' } });

    // Assess
    const stored = await client.request('GET', path(), { token });
    expect({ status: response.status, contentType: response.contentType, type: (response.json as { type?: string } | undefined)?.type, stored: stored.json }).toEqual({
      status,
      contentType: PROBLEM_CONTENT_TYPE,
      type: expect.stringMatching(status === 413 ? /\/payload-too-large$/ : /\/invalid-request$/),
      stored: PREFERENCES,
    });
  });

  it('answers a body that is not JSON with 415 and writes nothing', async () => {
    const response = await client.request('PUT', path(), { token, body: 'channels=[]', headers: { 'content-type': 'text/plain' } });

    expect([response.status, response.contentType, (await client.request('GET', path(), { token })).json]).toEqual([415, PROBLEM_CONTENT_TYPE, PREFERENCES]);
  });
});

describe('notification preferences through the handlers as the AWS composition wires them', () => {
  let fixture: RecordsFixture;
  let store: SqlNotificationStore;
  let patientId: string;
  const asked: string[] = [];

  beforeAll(async () => {
    fixture = await openRecordsFixture();
    store = new SqlNotificationStore(fixture.database.executor);
    patientId = (await fixture.registerPatient()).patientId ?? '';
  });

  afterAll(async () => {
    await fixture?.close();
  });

  /** Runs `request` through freshly built handlers with captured logs. */
  async function call(method: 'GET' | 'PUT', body?: unknown) {
    const capture = capturedObservability();
    try {
      // Everything these handlers take; the rest of ApiDeps (domain events, for instance) they never touch.
      const deps: Omit<ApiDeps, 'events'> = {
        observability: capture.observability,
        records: { ...fixture.deps, control: createSqlPatientControl({ journal: fixture.database.journal, executor: fixture.database.executor }) },
        journal: fixture.database.journal,
        notifications: {
          preferences: store,
          webhookPolicy: {
            kind: 'public-only',
            resolver: {
              resolve: async (hostname: string) => {
                asked.push(hostname);
                return hostname === 'hooks.example.org' ? ['93.184.216.34'] : ['10.20.30.40'];
              },
            },
          },
        },
        vkey: '',
        sleep: async () => undefined,
      };
      const handler = method === 'GET' ? makeReadHandler(deps as ApiDeps) : makeUpdateHandler(deps as ApiDeps);
      const result = await handler(
        apiGatewayEvent({
          httpMethod: method,
          resource: '/v1/patients/{patientId}/notification-preferences',
          path: `/v1/patients/${patientId}/notification-preferences`,
          pathParameters: { patientId },
          claims: { sub: 'pat-1', 'cognito:groups': 'patient', 'custom:patient_id': patientId },
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? null : JSON.stringify(body),
        }),
        lambdaContext(),
      );
      return { result, logs: capture.lines().join('\n') };
    } finally {
      capture.restore();
    }
  }

  it('saves a webhook whose host resolves to a public address', async () => {
    const { result } = await call('PUT', PREFERENCES);

    expect([result.statusCode, parsedBody(result), await store.read(patientId)]).toEqual([200, PREFERENCES, PREFERENCES]);
  });

  it.each([
    ['a name resolving to a private address', 'https://intranet.example.org/hook'],
    ['a private IP literal', 'https://10.0.0.8/hook'],
    ['the instance metadata address in decimal', 'https://2852039166/latest'],
  ])('refuses %s with 422 webhook-target-refused, writes nothing, and shows the target to no one', async (_name, address) => {
    // Prepare
    await call('PUT', PREFERENCES);
    const body: NotificationPreferences = { channels: [{ type: 'email', address: 'pat@example.org' }, { type: 'webhook', address }], mode: 'immediate' };

    // Act
    const { result, logs } = await call('PUT', body);

    // Assess
    const host = new URL(address).hostname;
    expect({
      status: result.statusCode,
      contentType: result.headers?.['content-type'],
      problem: parsedBody(result),
      stored: await store.read(patientId),
      leaked: [result.body, logs].some((text) => text.includes(host) || text.includes('pat@example.org')),
    }).toEqual({
      status: 422,
      contentType: PROBLEM_CONTENT_TYPE,
      problem: expect.objectContaining({ type: 'https://chartproof.dev/problems/webhook-target-refused', status: 422, errors: [{ path: 'body.channels[1].address', message: 'not a public address' }] }),
      stored: PREFERENCES,
      leaked: false,
    });
  });

  it('logs no address when reading', async () => {
    await call('PUT', PREFERENCES);

    const { result, logs } = await call('GET');

    expect([result.statusCode, logs.includes('pat@example.org') || logs.includes('+14155550123') || logs.includes('hooks.example.org'), logs.length > 0]).toEqual([200, false, true]);
  });
});
