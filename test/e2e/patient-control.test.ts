/**
 * Acceptance of patient control over HTTP (embedded defaults, the local server in-process): the
 * patient grants a category to practitioner A, who reads a covered record (permit) and an
 * uncovered one (deny); the patient revokes and A is denied; B breaks the glass and reads; the
 * access log lists all of it in order, with receipts that verify against the signed checkpoint;
 * its FHIR form is a Bundle of R4 AuditEvents; the consents have a FHIR form too; erasure makes the
 * records answer 410 while the access log still reads.
 *
 * The tests run in order and share state, as the steps of one story do.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../functions/http/observability.ts';
import { startLocalApi, type RunningApi } from '../../functions/local/local-api.ts';
import { mintLocalToken, openLocalTokenKeys } from '../../functions/local/tokens.ts';
import { AccessLogResponse } from '../../functions/http/schemas/access-log.ts';
import { verifyBundle } from '../../shared/ledger/verify-bundle.ts';
import { apiClient, type ApiClient, type ApiResponse } from './support/api-client.ts';

const Coding = z.strictObject({ system: z.url(), code: z.string().min(1), display: z.string().optional() });
const Reference = z.strictObject({ reference: z.string().optional(), identifier: z.strictObject({ system: z.string(), value: z.string() }).optional() });
/** The R4 AuditEvent elements this API emits, with R4's cardinalities and value sets (a BALP-shaped subset). */
const AuditEventR4 = z.strictObject({
  resourceType: z.literal('AuditEvent'),
  id: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/),
  meta: z.strictObject({ profile: z.array(z.string().regex(/^https:\/\/profiles\.ihe\.net\/ITI\/BALP\/StructureDefinition\/IHE\.BasicAudit\.Patient(Read|Query)$/)) }),
  type: Coding,
  subtype: z.array(Coding).min(1),
  action: z.enum(['C', 'R', 'U', 'D', 'E']),
  recorded: z.iso.datetime({ offset: true }),
  outcome: z.enum(['0', '4', '8', '12']),
  outcomeDesc: z.string().optional(),
  purposeOfEvent: z.array(z.strictObject({ coding: z.array(Coding).min(1) })),
  agent: z
    .array(
      z.strictObject({
        type: z.strictObject({ coding: z.array(Coding) }),
        role: z.array(z.strictObject({ coding: z.array(z.strictObject({ system: z.string(), code: z.string() })) })),
        who: Reference,
        requestor: z.boolean(),
      }),
    )
    .min(1),
  source: z.strictObject({ observer: z.strictObject({ display: z.string() }), type: z.array(Coding) }),
  entity: z
    .array(
      z.strictObject({
        what: Reference,
        type: Coding.optional(),
        role: Coding.optional(),
        detail: z.array(z.strictObject({ type: z.string(), valueString: z.string() })).optional(),
      }),
    )
    .min(1),
});
const AuditEventBundleR4 = z.strictObject({
  resourceType: z.literal('Bundle'),
  type: z.literal('collection'),
  entry: z.array(z.strictObject({ fullUrl: z.string(), resource: AuditEventR4 })),
});

const observation = { resourceType: 'Observation', status: 'final', code: { text: 'heart rate' }, valueQuantity: { value: 72 } };

describe('patient control over HTTP, embedded defaults', () => {
  let api: RunningApi;
  let client: ApiClient;
  let dataDir: string;
  const tokens: Record<string, string> = {};
  let patientId = '';
  let labRecordId = '';
  let mentalHealthRecordId = '';
  let consentId = '';
  const steps: { action: string; outcome: string; actorId: string; index: number }[] = [];

  const call = (method: string, path: string, token: string | undefined, options: { body?: unknown; headers?: Record<string, string> } = {}) =>
    client.request(method, path, { ...(token === undefined ? {} : { token }), ...options });
  const receiptOf = (response: ApiResponse): number => (response.json as { entry: { index: number } }).entry.index;
  const remember = (response: ApiResponse, step: { action: string; outcome: string; actorId: string }) => steps.push({ ...step, index: receiptOf(response) });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chartproof-control-e2e-'));
    api = await startLocalApi({ config: { dataDir, origin: 'chartproof.test/journal', logLevel: 'SILENT' }, port: 0, logger: createLogger({ serviceName: 'e2e', logLevel: 'SILENT' }) });
    client = apiClient(api.url);
    const { privateKey } = await openLocalTokenKeys({ dataDir });
    const mint = (role: 'patient' | 'practitioner' | 'auditor' | 'admin', sub: string, patient?: string) => mintLocalToken({ privateKey, role, sub, ...(patient === undefined ? {} : { patientId: patient }) });
    tokens.admin = await mint('admin', 'admin-1');
    tokens.a = await mint('practitioner', 'dr-a');
    tokens.b = await mint('practitioner', 'dr-b');
    tokens.auditor = await mint('auditor', 'auditor-1');
    patientId = (z.object({ patientId: z.string() }).parse((await call('POST', '/v1/patients', tokens.admin, { body: {} })).json)).patientId;
    tokens.patient = await mint('patient', 'patient-1', patientId);
    const create = async (category: string) =>
      (z.object({ recordId: z.string() }).parse((await call('POST', `/v1/patients/${patientId}/records`, tokens.a, { body: { resource: observation, category } })).json)).recordId;
    labRecordId = await create('lab');
    mentalHealthRecordId = await create('mental-health');
  });

  afterAll(async () => {
    await api.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lets the patient grant practitioner A the lab category', async () => {
    const response = await call('POST', `/v1/patients/${patientId}/consents`, tokens.patient, { body: { grantee: 'dr-a', scope: { categories: ['lab'] }, purpose: 'TREAT' } });
    consentId = (response.json as { consentId: string }).consentId;
    expect([response.status, consentId]).toEqual([201, expect.stringMatching(/^[0-9a-f-]{36}$/)]);
  });

  it('permits A to read the covered lab record', async () => {
    const response = await call('GET', `/v1/patients/${patientId}/records/${labRecordId}`, tokens.a);
    remember(response, { action: 'record.read', outcome: 'permit', actorId: 'dr-a' });
    expect(response.status).toBe(200);
  });

  it('denies A the uncovered mental-health record, as if it did not exist', async () => {
    const uncovered = await call('GET', `/v1/patients/${patientId}/records/${mentalHealthRecordId}`, tokens.a);
    remember(uncovered, { action: 'record.read', outcome: 'deny', actorId: 'dr-a' });
    const missing = await call('GET', `/v1/patients/${patientId}/records/00000000-0000-4000-8000-000000000000`, tokens.a);
    remember(missing, { action: 'record.read', outcome: 'deny', actorId: 'dr-a' });
    expect([uncovered.status, missing.status, (uncovered.json as { detail: string }).detail]).toEqual([403, 403, (missing.json as { detail: string }).detail]);
  });

  it("shows A a listing of only the covered records, with no hint of the others", async () => {
    const response = await call('GET', `/v1/patients/${patientId}/records?limit=1`, tokens.a);
    remember(response, { action: 'record.listed', outcome: 'permit', actorId: 'dr-a' });
    const page = response.json as { items: { recordId: string }[]; next?: string };
    expect([page.items.map((item) => item.recordId), page.next]).toEqual([[labRecordId], undefined]);
  });

  it("lists the patient's consent, and as FHIR R4 Consent resources", async () => {
    const plain = await call('GET', `/v1/patients/${patientId}/consents`, tokens.patient);
    const fhir = await call('GET', `/v1/patients/${patientId}/consents?format=fhir`, tokens.patient);
    const bundle = fhir.json as { entry: { resource: { resourceType: string; status: string; provision: { actor: unknown[] } } }[] };
    expect([plain.status, (plain.json as { items: { consentId: string }[] }).items.map((item) => item.consentId), fhir.contentType, bundle.entry.map((entry) => [entry.resource.resourceType, entry.resource.status])]).toEqual([
      200,
      [consentId],
      expect.stringContaining('application/fhir+json'),
      [['Consent', 'active']],
    ]);
  });

  it('denies A once the patient has revoked the consent', async () => {
    const revoked = await call('DELETE', `/v1/patients/${patientId}/consents/${consentId}`, tokens.patient);
    const response = await call('GET', `/v1/patients/${patientId}/records/${labRecordId}`, tokens.a);
    remember(response, { action: 'record.read', outcome: 'deny', actorId: 'dr-a' });
    expect([revoked.status, response.status]).toEqual([200, 403]);
  });

  it('permits B by break-glass, and keeps the window open for B', async () => {
    const broken = await call('GET', `/v1/patients/${patientId}/records/${mentalHealthRecordId}`, tokens.b, { headers: { 'x-break-glass-reason': 'unconscious in ER, allergy check' } });
    remember(broken, { action: 'access.break-glass', outcome: 'break-glass', actorId: 'dr-b' });
    const within = await call('GET', `/v1/patients/${patientId}/records/${labRecordId}`, tokens.b);
    remember(within, { action: 'record.read', outcome: 'break-glass', actorId: 'dr-b' });
    expect([broken.status, within.status]).toEqual([200, 200]);
  });

  it('refuses an empty break-glass reason', async () => {
    const response = await call('GET', `/v1/patients/${patientId}/records/${labRecordId}`, tokens.a, { headers: { 'x-break-glass-reason': '   ' } });
    expect(response.status).toBe(400);
  });

  it('lists every access in order, each with a receipt that verifies against the signed checkpoint', async () => {
    const response = await call('GET', `/v1/patients/${patientId}/access-log`, tokens.patient);
    const log = AccessLogResponse.parse(response.json);
    const relevant = log.items.filter((item) => item.actor.id === 'dr-a' || item.actor.id === 'dr-b');
    const size = log.entry.index + 1;
    let checkpoint = '';
    for (let attempt = 0; attempt < 100; attempt++) {
      checkpoint = (await call('GET', '/v1/ledger/checkpoint', undefined)).text;
      if (Number(checkpoint.split('\n')[1]) >= size) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const vkey = (await call('GET', '/v1/ledger/key', undefined)).text.trim();
    const treeSize = Number(checkpoint.split('\n')[1]);
    const verdicts = await Promise.all(
      log.items.map(async (item) => {
        const proven = await call('GET', `/v1/ledger/entries/${item.entry.index}?treeSize=${treeSize}`, tokens.auditor);
        const verdict = verifyBundle({ vkey, checkpoint, entry: proven.json });
        return verdict.ok && (proven.json as { leafHash: string }).leafHash === item.entry.leafHash;
      }),
    );
    expect({
      order: relevant.map((item) => ({ action: item.action, outcome: item.outcome, actorId: item.actor.id, index: item.entry.index })),
      breakGlassReason: relevant.find((item) => item.outcome === 'break-glass')?.reason,
      verified: verdicts.every(Boolean),
    }).toEqual({ order: steps, breakGlassReason: 'unconscious in ER, allergy check', verified: true });
  });

  it('gives the log as a FHIR R4 Bundle of BALP-shaped AuditEvents, with the receipt in headers', async () => {
    const response = await call('GET', `/v1/patients/${patientId}/access-log?format=fhir`, tokens.auditor);
    const bundle = AuditEventBundleR4.parse(response.json);
    const outcomes = bundle.entry.filter((entry) => entry.resource.agent[0]?.who.identifier?.value === 'dr-b').map((entry) => entry.resource.purposeOfEvent[0]?.coding[0]?.code);
    expect([response.status, outcomes]).toEqual([200, ['ETREAT', 'ETREAT']]);
  });

  it('erases the patient: records answer 410, the access log still reads', async () => {
    const erased = await call('POST', `/v1/patients/${patientId}/erasure`, tokens.patient);
    const read = await call('GET', `/v1/patients/${patientId}/records/${labRecordId}`, tokens.patient);
    const log = await call('GET', `/v1/patients/${patientId}/access-log`, tokens.patient);
    expect([erased.status, read.status, log.status]).toEqual([200, 410, 200]);
  });
});
