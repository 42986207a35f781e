/**
 * The records API acceptance scenario over HTTP, shared by the embedded-defaults run
 * (records-api.test.ts) and the AWS-mode run (records-api.int.test.ts):
 * an admin registers a patient; a practitioner creates an Observation and updates it; the patient
 * reads both versions and the history; the practitioner's read is denied and journaled; every
 * response has its API.md shape and a receipt, and every receipt verifies with the real
 * `chartproof verify` CLI against the served checkpoint and key. Then: nothing stored holds the
 * plaintext, and no log line holds record content or key material.
 *
 * The tests run in order and share state, as the steps of one story do.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Problem } from '../../../functions/http/schemas/common.ts';
import { ConsistencyProof, EntryProof } from '../../../functions/http/schemas/ledger.ts';
import { RegisterPatientResponse } from '../../../functions/http/schemas/patients.ts';
import {
  CreateRecordResponse,
  ListRecordsResponse,
  ReadRecordResponse,
  RecordHistoryResponse,
  UpdateRecordResponse,
} from '../../../functions/http/schemas/records.ts';
import { parseCheckpoint } from '../../../shared/ledger/checkpoint.ts';
import { apiClient, type ApiClient, type ApiResponse } from './api-client.ts';

const run = promisify(execFile);

export type ScenarioRole = 'patient' | 'practitioner' | 'auditor' | 'admin';

/** A running API the scenario talks to. */
export type ScenarioServer = {
  readonly baseUrl: string;
  /** A bearer token the server accepts. */
  token(claims: { role: ScenarioRole; sub: string; patientId?: string }): Promise<string>;
  /** The bytes of every stored record object. */
  storedObjects(): Promise<Uint8Array[]>;
  /** Key material that must never appear in a log line (as the strings it would be logged as). */
  secrets(): Promise<string[]>;
  /** Every log line written so far. */
  logLines(): string[];
  close(): Promise<void>;
};

type Receipt = { index: number; leafHash: string };

/** A marker only the record content holds: if it shows up anywhere else, content leaked. */
export const CONTENT_MARKER = 'e2e-clinical-note-7d41b2';

const observation = (value: number) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  valueQuantity: { value, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  note: [{ text: CONTENT_MARKER }],
});

function bodyOf<T>(schema: z.ZodType<T>, response: ApiResponse): T {
  return schema.parse(response.json);
}

async function cli(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('./node_modules/.bin/node', ['functions/cli/chartproof.ts', ...args], { cwd: process.cwd() });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

export function describeRecordsScenario(name: string, options: { skip: boolean; start: () => Promise<ScenarioServer> }): void {
  describe.skipIf(options.skip)(`${name}`, () => {
    let server: ScenarioServer;
    let client: ApiClient;
    let workDir: string;
    const tokens: Partial<Record<'admin' | 'practitioner' | 'patient' | 'auditor', string>> = {};
    const receipts: { step: string; receipt: Receipt }[] = [];
    let patientId = '';
    let recordId = '';
    let verifiedCheckpoint = '';

    const get = (path: string, token?: string) => client.request('GET', path, { token });
    const checkpointSize = (note: string) => parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1)).size;
    /** The served checkpoint once it covers `size` entries (the server signs at most once a second). */
    const checkpointCovering = async (size: number): Promise<string> => {
      for (let attempt = 0; ; attempt++) {
        const note = (await get('/v1/ledger/checkpoint')).text;
        if (checkpointSize(note) >= size || attempt >= 100) return note;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const remember = (step: string, receipt: Receipt) => receipts.push({ step, receipt });

    beforeAll(async () => {
      server = await options.start();
      client = apiClient(server.baseUrl);
      workDir = await mkdtemp(join(tmpdir(), 'chartproof-e2e-'));
      tokens.admin = await server.token({ role: 'admin', sub: 'admin-1' });
      tokens.practitioner = await server.token({ role: 'practitioner', sub: 'practitioner-1' });
      tokens.auditor = await server.token({ role: 'auditor', sub: 'auditor-1' });
    });

    afterAll(async () => {
      await server?.close();
      if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
    });

    it('serves the verifier key and a signed checkpoint as text/plain', async () => {
      const key = await get('/v1/ledger/key');
      const checkpoint = await get('/v1/ledger/checkpoint');

      expect([key.status, key.contentType, checkpoint.status, checkpoint.contentType]).toEqual([
        200,
        expect.stringMatching(/^text\/plain/),
        200,
        expect.stringMatching(/^text\/plain/),
      ]);
    });

    it('lets an admin register a patient', async () => {
      const response = await client.request('POST', '/v1/patients', { token: tokens.admin, body: { externalRef: 'MRN-E2E-1' } });

      const registered = bodyOf(RegisterPatientResponse, response);
      patientId = registered.patientId;
      remember('patient.registered', registered.entry);
      tokens.patient = await server.token({ role: 'patient', sub: 'patient-1', patientId });
      expect(response.status).toBe(201);
    });

    it('lets a practitioner create an Observation for the patient', async () => {
      const response = await client.request('POST', `/v1/patients/${patientId}/records`, {
        token: tokens.practitioner,
        body: { resource: observation(72), category: 'vital-signs' },
        headers: { 'idempotency-key': 'e2e-create-1' },
      });

      const created = bodyOf(CreateRecordResponse, response);
      recordId = created.recordId;
      remember('record.created', created.entry);
      expect([response.status, created.version]).toEqual([201, 1]);
    });

    it('replays the create for the same Idempotency-Key and body', async () => {
      const response = await client.request('POST', `/v1/patients/${patientId}/records`, {
        token: tokens.practitioner,
        body: { resource: observation(72), category: 'vital-signs' },
        headers: { 'idempotency-key': 'e2e-create-1' },
      });

      expect([response.status, bodyOf(CreateRecordResponse, response).recordId]).toEqual([201, recordId]);
    });

    it('lets the practitioner update it with If-Match: 1', async () => {
      const response = await client.request('PUT', `/v1/patients/${patientId}/records/${recordId}`, {
        token: tokens.practitioner,
        body: { resource: observation(80) },
        headers: { 'if-match': '1' },
      });

      const updated = bodyOf(UpdateRecordResponse, response);
      remember('record.updated', updated.entry);
      expect([response.status, updated.version]).toEqual([200, 2]);
    });

    it('answers a stale If-Match with a 409 problem', async () => {
      const response = await client.request('PUT', `/v1/patients/${patientId}/records/${recordId}`, {
        token: tokens.practitioner,
        body: { resource: observation(81) },
        headers: { 'if-match': '1' },
      });

      expect([response.status, response.contentType, bodyOf(Problem, response).type]).toEqual([
        409,
        'application/problem+json',
        expect.stringMatching(/version-conflict$/),
      ]);
    });

    it('lets the patient read the current version', async () => {
      const response = await get(`/v1/patients/${patientId}/records/${recordId}`, tokens.patient);

      const read = bodyOf(ReadRecordResponse, response);
      remember('record.read current', read.entry);
      expect([read.version, read.resource.valueQuantity]).toEqual([2, expect.objectContaining({ value: 80 })]);
    });

    it('lets the patient read version 1', async () => {
      const response = await get(`/v1/patients/${patientId}/records/${recordId}?version=1`, tokens.patient);

      const read = bodyOf(ReadRecordResponse, response);
      remember('record.read v1', read.entry);
      expect([read.version, read.resource.valueQuantity]).toEqual([1, expect.objectContaining({ value: 72 })]);
    });

    it('lets the patient read the history, each version with the receipt of its write', async () => {
      const response = await get(`/v1/patients/${patientId}/records/${recordId}/history`, tokens.patient);

      const history = bodyOf(RecordHistoryResponse, response);
      remember('history', history.entry);
      const writes = receipts.filter(({ step }) => step === 'record.created' || step === 'record.updated').map(({ receipt }) => receipt);
      expect(history.items.map((item) => item.entry)).toEqual(writes);
    });

    it('lets the patient list their records', async () => {
      const response = await get(`/v1/patients/${patientId}/records`, tokens.patient);

      const list = bodyOf(ListRecordsResponse, response);
      remember('record.listed', list.entry);
      expect(list.items.map((item) => [item.recordId, item.version])).toEqual([[recordId, 2]]);
    });

    it("denies the practitioner's read with a 403 problem carrying the denial's receipt", async () => {
      const response = await get(`/v1/patients/${patientId}/records/${recordId}`, tokens.practitioner);

      const refusal = bodyOf(Problem, response);
      if (refusal.entry !== undefined) remember('access.denied', refusal.entry);
      expect([response.status, response.contentType, refusal.entry]).toEqual([403, 'application/problem+json', expect.any(Object)]);
    });

    it('verifies every receipt with chartproof verify against the served checkpoint and key', async () => {
      const checkpoint = await checkpointCovering(Math.max(...receipts.map(({ receipt }) => receipt.index)) + 1);
      verifiedCheckpoint = checkpoint;
      const size = checkpointSize(checkpoint);
      await writeFile(join(workDir, 'vkey'), (await get('/v1/ledger/key')).text);
      await writeFile(join(workDir, 'checkpoint'), checkpoint);

      const verdicts: string[] = [];
      for (const { step, receipt } of receipts) {
        const response = await get(`/v1/ledger/entries/${receipt.index}?treeSize=${size}`, tokens.auditor);
        const proven = bodyOf(EntryProof, response);
        const file = join(workDir, `entry-${receipt.index}.json`);
        await writeFile(file, response.text);
        const result = await cli(['verify', '--vkey', join(workDir, 'vkey'), '--checkpoint', join(workDir, 'checkpoint'), '--entry', file]);
        verdicts.push(`${step}: ${result.code === 0 && proven.leafHash === receipt.leafHash ? 'verified' : result.output.trim()}`);
      }

      expect(verdicts).toEqual(receipts.map(({ step }) => `${step}: verified`));
    });

    it('proves with chartproof verify that a later checkpoint extends the one the receipts were verified against', async () => {
      const more = await client.request('POST', `/v1/patients/${patientId}/records`, { token: tokens.patient, body: { resource: observation(65) } });
      const latest = await checkpointCovering(bodyOf(CreateRecordResponse, more).entry.index + 1);
      const response = await get(`/v1/ledger/consistency?from=${checkpointSize(verifiedCheckpoint)}&to=${checkpointSize(latest)}`);
      bodyOf(ConsistencyProof, response);
      await writeFile(join(workDir, 'old-checkpoint'), verifiedCheckpoint);
      await writeFile(join(workDir, 'latest-checkpoint'), latest);
      await writeFile(join(workDir, 'consistency.json'), response.text);

      const result = await cli([
        'verify',
        '--vkey',
        join(workDir, 'vkey'),
        '--checkpoint',
        join(workDir, 'latest-checkpoint'),
        '--old-checkpoint',
        join(workDir, 'old-checkpoint'),
        '--consistency',
        join(workDir, 'consistency.json'),
      ]);

      expect(result).toMatchObject({ code: 0 });
    });

    it('stores no plaintext: no stored object holds the record content', async () => {
      const objects = await server.storedObjects();

      const leaking = objects.filter((bytes) => Buffer.from(bytes).includes(CONTENT_MARKER) || Buffer.from(bytes).includes('Heart rate'));
      expect([objects.length >= 2, leaking.length]).toEqual([true, 0]);
    });

    it('logs no record content and no key material', async () => {
      const secrets = await server.secrets();
      const forbidden = [CONTENT_MARKER, 'Heart rate', 'valueQuantity', ...secrets, ...Object.values(tokens)];

      const offending = server.logLines().filter((line) => forbidden.some((secret) => secret !== undefined && line.includes(secret)));

      expect([server.logLines().length > 0, offending]).toEqual([true, []]);
    });
  });
}
