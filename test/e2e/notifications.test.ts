/**
 * Patient notifications end to end on the embedded defaults (issue #6 acceptance 1): the patient
 * chooses email and a webhook; a practitioner's read under consent, a denial and a break-glass each
 * put the right alert in notifications.jsonl (once per channel), and a second read within the
 * window is coalesced into the first one's alert. Nothing clinical and no break-glass reason text
 * reaches the file.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createLogger } from '../../functions/http/observability.ts';
import { startLocalApi, type RunningApi } from '../../functions/local/local-api.ts';
import { mintLocalToken, openLocalTokenKeys } from '../../functions/local/tokens.ts';
import { apiClient, type ApiClient } from './support/api-client.ts';

const Line = z.object({ channel: z.enum(['email', 'sms', 'webhook']), address: z.string(), id: z.uuid(), kind: z.string(), at: z.string(), subject: z.string(), text: z.string(), link: z.url() });
type Line = z.infer<typeof Line>;

describe('notifications on the embedded defaults', () => {
  let api: RunningApi;
  let client: ApiClient;
  let dataDir: string;
  const printed: string[] = [];
  const tokens: Record<string, string> = {};
  let patientId = '';
  let recordId = '';

  const lines = async (): Promise<Line[]> => {
    const text = await readFile(join(dataDir, 'notifications.jsonl'), 'utf8').catch(() => '');
    return text.split('\n').filter((line) => line !== '').map((line) => Line.parse(JSON.parse(line)));
  };
  /** Waits until the alerts of what was just done are written: publishing happens after the response. */
  const settle = async () => {
    await api.app.events.dispatcher.idle();
    await sleep(10);
    await api.app.events.dispatcher.idle();
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chartproof-notifications-e2e-'));
    api = await startLocalApi({
      config: { dataDir, origin: 'chartproof.test/journal', logLevel: 'SILENT', publicUrl: 'https://api.example.org' },
      port: 0,
      logger: createLogger({ serviceName: 'e2e', logLevel: 'SILENT' }),
      checkpointer: false,
      printNotification: (line) => printed.push(line),
    });
    client = apiClient(api.url);
    const { privateKey } = await openLocalTokenKeys({ dataDir });
    tokens.admin = await mintLocalToken({ privateKey, role: 'admin', sub: 'admin-1' });
    tokens.a = await mintLocalToken({ privateKey, role: 'practitioner', sub: 'dr-a' });
    tokens.b = await mintLocalToken({ privateKey, role: 'practitioner', sub: 'dr-b' });
    tokens.c = await mintLocalToken({ privateKey, role: 'practitioner', sub: 'dr-c' });
    patientId = z.object({ patientId: z.string() }).parse((await client.request('POST', '/v1/patients', { token: tokens.admin, body: {} })).json).patientId;
    tokens.patient = await mintLocalToken({ privateKey, role: 'patient', sub: 'patient-1', patientId });
    const observation = { resourceType: 'Observation', status: 'final', code: { text: 'HIV viral load' } };
    recordId = z.object({ recordId: z.string() }).parse((await client.request('POST', `/v1/patients/${patientId}/records`, { token: tokens.patient, body: { resource: observation, category: 'lab' } })).json).recordId;
    const steps = [
      await client.request('PUT', `/v1/patients/${patientId}/notification-preferences`, {
        token: tokens.patient,
        body: { channels: [{ type: 'email', address: 'patient@example.org' }, { type: 'webhook', address: 'https://hooks.example.org/chartproof' }], mode: 'immediate' },
      }),
      await client.request('POST', `/v1/patients/${patientId}/consents`, { token: tokens.patient, body: { grantee: 'dr-a', scope: { all: true } } }),
    ];
    if (steps.some((step) => step.status >= 300)) throw new Error(`setup failed: ${steps.map((step) => step.status).join(', ')}`);
    await settle();
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('sends nothing for what the patient did themself (registration, their record, their consent)', async () => {
    expect(await lines()).toEqual([]);
  });

  it("alerts the patient on each channel when a practitioner reads under consent", async () => {
    expect((await client.request('GET', `/v1/patients/${patientId}/records/${recordId}`, { token: tokens.a })).status).toBe(200);
    await settle();
    const sent = await lines();
    expect(sent.map((line) => [line.channel, line.kind])).toEqual([
      ['email', 'record.read'],
      ['webhook', 'record.read'],
    ]);
    expect(sent[0]).toMatchObject({ address: 'patient@example.org', link: expect.stringMatching(new RegExp(`^https://api\\.example\\.org/v1/patients/${patientId}/access-log\\?since=`)) });
    expect(sent[0]!.text).toContain('dr-a');
    expect(new Set(sent.map((line) => line.id)).size).toBe(1);
    expect(printed).toHaveLength(2);
  });

  it('coalesces a second read by the same practitioner within the window into the first alert', async () => {
    expect((await client.request('GET', `/v1/patients/${patientId}/records/${recordId}`, { token: tokens.a })).status).toBe(200);
    await settle();
    expect(await lines()).toHaveLength(2);
  });

  it('alerts at once on a denial, even right after another one', async () => {
    for (let attempt = 0; attempt < 2; attempt++) expect((await client.request('GET', `/v1/patients/${patientId}/records/${recordId}`, { token: tokens.c })).status).toBe(403);
    await settle();
    const denials = (await lines()).filter((line) => line.kind === 'access.denied');
    expect(denials.map((line) => line.channel)).toEqual(['email', 'webhook', 'email', 'webhook']);
    expect(denials[0]!.text).toContain('dr-c');
  });

  it('alerts at once on a break-glass read, without the stated reason', async () => {
    const reason = 'unconscious in ER, allergy check';
    const response = await client.request('GET', `/v1/patients/${patientId}/records/${recordId}`, { token: tokens.b, headers: { 'x-break-glass-reason': reason } });
    expect(response.status).toBe(200);
    await settle();
    const alerts = (await lines()).filter((line) => line.kind === 'access.break-glass');
    expect(alerts.map((line) => [line.channel, line.subject])).toEqual([
      ['email', 'Chartproof: Emergency access to your records'],
      ['webhook', 'Chartproof: Emergency access to your records'],
    ]);
    const file = await readFile(join(dataDir, 'notifications.jsonl'), 'utf8');
    expect([file.includes(reason), file.includes('HIV'), file.includes('viral')]).toEqual([false, false, false]);
  });

  it('sends each alert once even when the relay republishes everything', async () => {
    const before = await lines();
    // Make every event due again as if no publication had been recorded, and let the relay republish them all.
    await api.app.database.executor.withSession((session) => session.query('UPDATE chartproof.event_outbox SET published_at = NULL, next_attempt_at = now() - interval \'1 hour\''));
    const run = await api.app.events.relay({ freshGraceMs: 0 });
    expect(run.published).toBeGreaterThan(5);
    expect(await lines()).toEqual(before);
  });
});
