/**
 * Idempotency-Key on patient control's POSTs over HTTP (API.md "Idempotency"; embedded defaults,
 * the local server in-process): a consent grant and an erasure replayed with the same key and
 * body answer with the first response and journal nothing more; the same key with another body is
 * refused with 422 and writes nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/http/observability.ts';
import { startLocalApi, type RunningApi } from '../../functions/local/local-api.ts';
import { mintLocalToken, openLocalTokenKeys } from '../../functions/local/tokens.ts';
import { apiClient, type ApiClient, type ApiResponse } from './support/api-client.ts';

describe('Idempotency-Key on the consent and erasure POSTs', () => {
  let api: RunningApi;
  let client: ApiClient;
  let dataDir: string;
  let admin: string;
  let newPatient: () => Promise<{ patientId: string; token: string }>;

  const call = (method: string, path: string, token: string, options: { body?: unknown; key?: string } = {}) =>
    client.request(method, path, { token, ...(options.body === undefined ? {} : { body: options.body }), ...(options.key === undefined ? {} : { headers: { 'idempotency-key': options.key } }) });
  const journalSize = async () => (await api.app.database.journal.treeHead()).size;
  const answer = (response: ApiResponse) => ({ status: response.status, body: response.json });
  const consentCount = async (patientId: string, token: string) => ((await call('GET', `/v1/patients/${patientId}/consents`, token)).json as { items: unknown[] }).items.length;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chartproof-idempotent-control-'));
    api = await startLocalApi({ config: { dataDir, origin: 'chartproof.test/journal', logLevel: 'SILENT' }, port: 0, logger: createLogger({ serviceName: 'e2e', logLevel: 'SILENT' }) });
    client = apiClient(api.url);
    const { privateKey } = await openLocalTokenKeys({ dataDir });
    admin = await mintLocalToken({ privateKey, role: 'admin', sub: 'admin-1' });
    newPatient = async () => {
      const { patientId } = (await call('POST', '/v1/patients', admin, { body: {} })).json as { patientId: string };
      return { patientId, token: await mintLocalToken({ privateKey, role: 'patient', sub: `patient-${patientId}`, patientId }) };
    };
  });

  afterAll(async () => {
    await api.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('replays a consent grant with the same key and body: the first response, one consent, one entry', async () => {
    // Prepare
    const { patientId, token } = await newPatient();
    const body = { grantee: 'dr-a', scope: { categories: ['lab'] }, purpose: 'TREAT' };
    const first = await call('POST', `/v1/patients/${patientId}/consents`, token, { body, key: 'grant-1' });
    const sizeAfterFirst = await journalSize();

    // Act
    const replay = await call('POST', `/v1/patients/${patientId}/consents`, token, { body, key: 'grant-1' });

    // Assess
    expect({ first: first.status, replay: answer(replay), journalGrew: (await journalSize()) - sizeAfterFirst, consents: await consentCount(patientId, token) }).toEqual({
      first: 201,
      replay: answer(first),
      journalGrew: 0,
      consents: 1,
    });
  });

  it('refuses the same key with another consent body: 422, nothing written', async () => {
    // Prepare
    const { patientId, token } = await newPatient();
    await call('POST', `/v1/patients/${patientId}/consents`, token, { body: { grantee: 'dr-a', scope: { all: true } }, key: 'grant-2' });
    const sizeBefore = await journalSize();

    // Act
    const reused = await call('POST', `/v1/patients/${patientId}/consents`, token, { body: { grantee: 'dr-b', scope: { all: true } }, key: 'grant-2' });

    // Assess
    expect({ status: reused.status, type: (reused.json as { type?: string }).type, journalGrew: (await journalSize()) - sizeBefore, consents: await consentCount(patientId, token) }).toEqual({
      status: 422,
      type: expect.stringMatching(/idempotency-key-reused$/),
      journalGrew: 0,
      consents: 1,
    });
  });

  it('grants again under another key, or without one', async () => {
    // Prepare
    const { patientId, token } = await newPatient();
    const body = { grantee: 'dr-a', scope: { all: true } };

    // Act
    const statuses = [
      (await call('POST', `/v1/patients/${patientId}/consents`, token, { body, key: 'grant-3' })).status,
      (await call('POST', `/v1/patients/${patientId}/consents`, token, { body, key: 'grant-4' })).status,
      (await call('POST', `/v1/patients/${patientId}/consents`, token, { body })).status,
    ];

    // Assess
    expect({ statuses, consents: await consentCount(patientId, token) }).toEqual({ statuses: [201, 201, 201], consents: 3 });
  });

  it('replays an erasure with the same key: 200 with the first receipt rather than 410, nothing journaled', async () => {
    // Prepare
    const { patientId, token } = await newPatient();
    const first = await call('POST', `/v1/patients/${patientId}/erasure`, token, { key: 'erase-1' });
    const sizeAfterFirst = await journalSize();

    // Act
    const replay = await call('POST', `/v1/patients/${patientId}/erasure`, token, { key: 'erase-1' });
    const withoutKey = await call('POST', `/v1/patients/${patientId}/erasure`, token);

    // Assess
    expect({ first: first.status, replay: answer(replay), withoutKey: withoutKey.status, journalGrew: (await journalSize()) - sizeAfterFirst }).toEqual({
      first: 200,
      replay: answer(first),
      withoutKey: 410,
      journalGrew: 0,
    });
  });

  it("refuses an erasure key reused on another patient's erasure: 422, that patient not erased", async () => {
    // Prepare
    const first = await newPatient();
    const second = await newPatient();
    await call('POST', `/v1/patients/${first.patientId}/erasure`, admin, { key: 'erase-2' });
    const sizeBefore = await journalSize();

    // Act
    const reused = await call('POST', `/v1/patients/${second.patientId}/erasure`, admin, { key: 'erase-2' });

    // Assess
    const stillThere = await call('GET', `/v1/patients/${second.patientId}/consents`, second.token);
    expect({ status: reused.status, journalGrew: (await journalSize()) - sizeBefore, secondPatient: stillThere.status }).toEqual({ status: 422, journalGrew: 0, secondPatient: 200 });
  });
});
