/**
 * The authorization matrix (ARCHITECTURE.md D3 "Where authorization lives"): every role against
 * EVERY route of functions/routes.ts, with the caller's own patient and another patient, over HTTP
 * (the local server in-process). Each cell asserts the exact status and that the journal recorded
 * the decision: a refusal carries the receipt of an `access.denied` entry naming the actor, and a
 * permitted request that journals carries the receipt of its entry, naming the actor.
 *
 * The matrix iterates the route table: a route without a row here fails the test.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/http/observability.ts';
import type { LocalConfig } from '../../functions/local/compose.ts';
import { startLocalApi, type RunningApi } from '../../functions/local/local-api.ts';
import { mintLocalToken, openLocalTokenKeys } from '../../functions/local/tokens.ts';
import { routeKey, routes } from '../../functions/routes.ts';
import { parseEntryBytes } from '../../shared/ledger/entry.ts';
import type { JournalStore } from '../../shared/ports/journal-store.ts';
import { apiClient, type ApiClient, type ApiResponse } from '../e2e/support/api-client.ts';

export const MATRIX_ROLES = [
  'patient',
  'practitioner-with-consent',
  'practitioner-without-consent',
  'practitioner-expired-consent',
  'practitioner-revoked-consent',
  'practitioner-break-glass',
  'auditor',
  'admin',
  'no-token',
] as const;
type MatrixRole = (typeof MATRIX_ROLES)[number];
type Whose = 'own' | 'other';

const SUBJECTS: Record<MatrixRole, { role: 'patient' | 'practitioner' | 'auditor' | 'admin'; sub: string } | undefined> = {
  patient: { role: 'patient', sub: 'matrix-patient' },
  'practitioner-with-consent': { role: 'practitioner', sub: 'dr-consented' },
  'practitioner-without-consent': { role: 'practitioner', sub: 'dr-unconsented' },
  'practitioner-expired-consent': { role: 'practitioner', sub: 'dr-expired' },
  'practitioner-revoked-consent': { role: 'practitioner', sub: 'dr-revoked' },
  'practitioner-break-glass': { role: 'practitioner', sub: 'dr-break-glass' },
  auditor: { role: 'auditor', sub: 'auditor-1' },
  admin: { role: 'admin', sub: 'admin-1' },
  'no-token': undefined,
};

const BREAK_GLASS = { 'x-break-glass-reason': 'matrix: emergency access test' };
const OBSERVATION = { resourceType: 'Observation', status: 'final', code: { text: 'matrix' } };

/** A patient of the matrix: its id, the patient's token, a record and its registration entry. */
type MatrixPatient = { patientId: string; token: string; recordId: string; registeredIndex: number };

type Context = {
  own: MatrixPatient;
  other: MatrixPatient;
  call(method: string, path: string, token: string | undefined, options?: { body?: unknown; headers?: Record<string, string> }): Promise<ApiResponse>;
  /** A patient registered for this cell alone (for routes that change or end a patient). */
  freshPatient(): Promise<MatrixPatient>;
  journal: Pick<JournalStore, 'entry'>;
};

/** How a cell calls its route: the request for the patient `target`, the caller being `role`. */
type Cell = { method: string; path: string; body?: unknown; headers?: Record<string, string> };

type Row = {
  request(context: Context, target: MatrixPatient, role: MatrixRole): Promise<Cell> | Cell;
  /** The status a role gets on its own patient and on another. */
  expect(role: MatrixRole, whose: Whose): number;
  /** Whether the route changes or ends the patient, so each cell needs fresh patients. */
  fresh?: boolean;
};

const isPractitioner = (role: MatrixRole) => role.startsWith('practitioner');
const onlyOwner = (ok: number) => (role: MatrixRole, whose: Whose) => (role === 'no-token' ? 401 : role === 'patient' && whose === 'own' ? ok : 403);
const readPolicy = (role: MatrixRole, whose: Whose): number => {
  if (role === 'no-token') return 401;
  if (role === 'patient') return whose === 'own' ? 200 : 403;
  if (role === 'practitioner-break-glass') return 200; // its window is open on both patients
  if (role === 'practitioner-with-consent') return whose === 'own' ? 200 : 403; // consented by the own patient only
  return 403;
};
const writePolicy = (ok: number) => (role: MatrixRole, whose: Whose): number => {
  if (role === 'no-token') return 401;
  if (role === 'patient') return whose === 'own' ? ok : 403;
  return isPractitioner(role) ? ok : 403;
};
const publicRoute = () => 200;
const headersFor = (role: MatrixRole) => (role === 'practitioner-break-glass' ? BREAK_GLASS : undefined);

/** The rows, keyed by routeKey. */
export const MATRIX: Record<string, Row> = {
  'POST /v1/patients': {
    request: () => ({ method: 'POST', path: '/v1/patients', body: {} }),
    expect: (role) => (role === 'no-token' ? 401 : role === 'admin' ? 201 : 403),
  },
  'POST /v1/patients/{patientId}/records': {
    request: (_context, target) => ({ method: 'POST', path: `/v1/patients/${target.patientId}/records`, body: { resource: OBSERVATION, category: 'lab' } }),
    expect: writePolicy(201),
  },
  'GET /v1/patients/{patientId}/records': {
    request: (_context, target) => ({ method: 'GET', path: `/v1/patients/${target.patientId}/records` }),
    expect: readPolicy,
  },
  'GET /v1/patients/{patientId}/records/{recordId}': {
    request: (_context, target, role) => ({ method: 'GET', path: `/v1/patients/${target.patientId}/records/${target.recordId}`, headers: headersFor(role) }),
    expect: readPolicy,
  },
  'PUT /v1/patients/{patientId}/records/{recordId}': {
    async request(context, target) {
      // A record of its own, at version 1, so that every permitted cell's If-Match is current.
      const created = await context.call('POST', `/v1/patients/${target.patientId}/records`, target.token, { body: { resource: OBSERVATION } });
      const recordId = (created.json as { recordId: string }).recordId;
      return { method: 'PUT', path: `/v1/patients/${target.patientId}/records/${recordId}`, body: { resource: OBSERVATION }, headers: { 'if-match': '1' } };
    },
    expect: writePolicy(200),
  },
  'GET /v1/patients/{patientId}/records/{recordId}/history': {
    request: (_context, target) => ({ method: 'GET', path: `/v1/patients/${target.patientId}/records/${target.recordId}/history` }),
    expect: readPolicy,
  },
  'POST /v1/patients/{patientId}/consents': {
    request: (_context, target) => ({ method: 'POST', path: `/v1/patients/${target.patientId}/consents`, body: { grantee: 'dr-matrix-grantee', scope: { all: true } } }),
    expect: onlyOwner(201),
  },
  'GET /v1/patients/{patientId}/consents': {
    request: (_context, target) => ({ method: 'GET', path: `/v1/patients/${target.patientId}/consents` }),
    expect: onlyOwner(200),
  },
  'DELETE /v1/patients/{patientId}/consents/{consentId}': {
    async request(context, target) {
      const granted = await context.call('POST', `/v1/patients/${target.patientId}/consents`, target.token, { body: { grantee: 'dr-matrix-grantee', scope: { all: true } } });
      return { method: 'DELETE', path: `/v1/patients/${target.patientId}/consents/${(granted.json as { consentId: string }).consentId}` };
    },
    expect: onlyOwner(200),
  },
  'GET /v1/patients/{patientId}/access-log': {
    request: (_context, target) => ({ method: 'GET', path: `/v1/patients/${target.patientId}/access-log?limit=5` }),
    expect: (role, whose) => (role === 'no-token' ? 401 : role === 'auditor' || (role === 'patient' && whose === 'own') ? 200 : 403),
  },
  'GET /v1/patients/{patientId}/notification-preferences': {
    request: (_context, target) => ({ method: 'GET', path: `/v1/patients/${target.patientId}/notification-preferences` }),
    expect: onlyOwner(200),
  },
  'PUT /v1/patients/{patientId}/notification-preferences': {
    request: (_context, target) => ({ method: 'PUT', path: `/v1/patients/${target.patientId}/notification-preferences`, body: { channels: [], mode: 'immediate' } }),
    expect: onlyOwner(200),
  },
  'POST /v1/patients/{patientId}/erasure': {
    request: (_context, target) => ({ method: 'POST', path: `/v1/patients/${target.patientId}/erasure` }),
    expect: (role, whose) => (role === 'no-token' ? 401 : role === 'admin' || (role === 'patient' && whose === 'own') ? 200 : 403),
    fresh: true,
  },
  'GET /v1/ledger/checkpoint': { request: () => ({ method: 'GET', path: '/v1/ledger/checkpoint' }), expect: publicRoute },
  'GET /v1/ledger/key': { request: () => ({ method: 'GET', path: '/v1/ledger/key' }), expect: publicRoute },
  'GET /v1/ledger/entries/{index}': {
    request: (_context, target) => ({ method: 'GET', path: `/v1/ledger/entries/${target.registeredIndex}` }),
    // To a patient, another patient's entry looks like one beyond the journal (404).
    expect: (role, whose) => (role === 'no-token' ? 401 : role === 'auditor' || (role === 'patient' && whose === 'own') ? 200 : role === 'patient' ? 404 : 403),
  },
  'GET /v1/ledger/consistency': { request: () => ({ method: 'GET', path: '/v1/ledger/consistency?from=1&to=2' }), expect: publicRoute },
  'GET /v1/openapi.json': { request: () => ({ method: 'GET', path: '/v1/openapi.json' }), expect: publicRoute },
};

/** Runs the matrix against the local server composed with `config` (PGlite by default, or PostgreSQL). */
export function describeAuthorizationMatrix(name: string, options: { skip: boolean; config: (dataDir: string) => Promise<LocalConfig>; cleanUp?: () => Promise<void> }): void {
  describe.skipIf(options.skip)(`${name}`, () => {
    let api: RunningApi | undefined;
    let client: ApiClient;
    let dataDir: string;
    let context: Context;
    const tokens = new Map<string, string>();
    let mint: (claims: { role: 'patient' | 'practitioner' | 'auditor' | 'admin'; sub: string; patientId?: string }) => Promise<string>;

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'chartproof-matrix-'));
      api = await startLocalApi({ config: await options.config(dataDir), port: 0, logger: createLogger({ serviceName: 'matrix', logLevel: 'SILENT' }) });
      client = apiClient(api.url);
      const journal = api.app.database.journal;
      const { privateKey } = await openLocalTokenKeys({ dataDir });
      mint = (claims) => mintLocalToken({ privateKey, ...claims });
      for (const [role, subject] of Object.entries(SUBJECTS)) {
        if (subject !== undefined && subject.role !== 'patient') tokens.set(role, await mint(subject));
      }
      const call: Context['call'] = (method, path, token, callOptions = {}) => client.request(method, path, { ...(token === undefined ? {} : { token }), ...callOptions });
      const admin = tokens.get('admin');
      const freshPatient = async (): Promise<MatrixPatient> => {
        const registered = (await call('POST', '/v1/patients', admin, { body: {} })).json as { patientId: string; entry: { index: number } };
        const token = await mint({ role: 'patient', sub: 'matrix-patient', patientId: registered.patientId });
        const created = (await call('POST', `/v1/patients/${registered.patientId}/records`, token, { body: { resource: OBSERVATION, category: 'lab' } })).json as { recordId: string };
        return { patientId: registered.patientId, token, recordId: created.recordId, registeredIndex: registered.entry.index };
      };
      const own = await freshPatient();
      const other = await freshPatient();
      context = { own, other, call, freshPatient, journal };
      const grant = (grantee: string, extra: Record<string, unknown> = {}) =>
        call('POST', `/v1/patients/${own.patientId}/consents`, own.token, { body: { grantee, scope: { categories: ['lab'] }, ...extra } });
      await grant('dr-consented');
      const expiring = await grant('dr-expired', { expiresAt: new Date(Date.now() + 1_000).toISOString() });
      const revoked = (await grant('dr-revoked')).json as { consentId: string };
      await call('DELETE', `/v1/patients/${own.patientId}/consents/${revoked.consentId}`, own.token);
      // The break-glass practitioner's window is open on both patients for the whole matrix.
      for (const patient of [own, other]) {
        await call('GET', `/v1/patients/${patient.patientId}/records/${patient.recordId}`, tokens.get('practitioner-break-glass'), { headers: BREAK_GLASS });
      }
      if (expiring.status !== 201) throw new Error(`granting the expiring consent answered ${expiring.status}, want 201`);
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the expiry
    });

    afterAll(async () => {
      await api?.close();
      await rm(dataDir, { recursive: true, force: true });
      await options.cleanUp?.();
    });

    it('has a row for every route of the route table, and no other', () => {
      expect(Object.keys(MATRIX).sort()).toEqual(routes.map(routeKey).sort());
    });

    const cells = routes.flatMap((route) => MATRIX_ROLES.flatMap((role) => (['own', 'other'] as const).map((whose) => ({ route, role, whose }))));
    it.each(cells)('$route.method $route.path as $role on the $whose patient', async ({ route, role, whose }) => {
      // Prepare
      const row = MATRIX[routeKey(route)];
      if (row === undefined) throw new Error(`no matrix row for ${routeKey(route)}`);
      const subject = SUBJECTS[role];
      let target = whose === 'own' ? context.own : context.other;
      let token = subject === undefined ? undefined : role === 'patient' ? context.own.token : tokens.get(role);
      if (row.fresh === true) {
        const own = await context.freshPatient();
        target = whose === 'own' ? own : await context.freshPatient();
        if (role === 'patient') token = own.token;
      }
      const cell = await row.request(context, target, role);
      const implemented = existsSync(route.handler);

      // Act
      const response = await context.call(cell.method, cell.path, token, {
        ...(cell.body === undefined ? {} : { body: cell.body }),
        ...(cell.headers === undefined ? {} : { headers: cell.headers }),
      });

      // Assess
      const receipt = (response.json as { entry?: unknown } | undefined)?.entry;
      const journaled = typeof receipt !== 'object' || receipt === null ? undefined : await journaledEntry(context, (receipt as { index: number }).index);
      // A route whose handler is not written yet answers 501, after authentication.
      const status = implemented || role === 'no-token' ? row.expect(role, whose) : 501;
      expect({ status: response.status, decision: journaled }).toEqual({
        status,
        decision: decisionOf(status, route.public === true, routeKey(route), subject?.sub),
      });
    });
  });
}

/** The entry at `index`, read from the server's journal: its type and actor. */
async function journaledEntry(context: Context, index: number): Promise<{ type: string; actor: string }> {
  const entry = parseEntryBytes((await context.journal.entry(index)).entry);
  return { type: entry.type, actor: entry.actor.id };
}

/** What the journal must hold about a cell's decision (undefined: nothing). */
function decisionOf(status: number, isPublic: boolean, key: string, actor: string | undefined): { type: string; actor: string } | undefined {
  if (isPublic || actor === undefined || status === 401 || status === 404 || status === 501) return undefined;
  if (status === 403) return { type: 'access.denied', actor };
  // Journal entries hold only ids and hashes: reading one is not an access to a patient's data
  // (shared/audit/read-entry-proof.ts), so only a refusal is journaled. (Another patient's entry
  // answers 404 without a receipt; read-entry-proof's tests check that refusal's entry.)
  if (key === 'GET /v1/ledger/entries/{index}') return undefined;
  // Listing one's own consents is not an access to records: not journaled.
  if (key === 'GET /v1/patients/{patientId}/consents') return undefined;
  // Nor is reading or changing one's notification preferences (API.md gives them no receipt).
  if (key.endsWith(' /v1/patients/{patientId}/notification-preferences')) return undefined;
  return { type: expect.stringMatching(/^[a-z-]+\.[a-z-]+$/) as unknown as string, actor };
}
