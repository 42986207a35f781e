/**
 * The notification-preferences use cases (shared/notifications/read-preferences.ts,
 * update-preferences.ts) over the embedded adapters: only the patient themself reads or replaces
 * them, anyone else is refused with a journaled denial; bad preferences and, under the AWS
 * webhook policy, webhooks whose hosts are not public are refused before anything is written; a
 * preferences change journals nothing; erasure forgets them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../shared/access/actor.ts';
import { SqlNotificationStore } from '../../shared/adapters/sql/notification-store.ts';
import { createSqlPatientControl } from '../../shared/adapters/sql/patient-control.ts';
import { GoneError, NotFoundError, ValidationError, WebhookTargetRefusedError, type DomainError } from '../../shared/errors.ts';
import type { NotificationPreferences } from '../../shared/notifications/preferences.ts';
import type { PreferencesDeps, WebhookPolicy } from '../../shared/notifications/preferences-deps.ts';
import { makeReadPreferences } from '../../shared/notifications/read-preferences.ts';
import { makeUpdatePreferences } from '../../shared/notifications/update-preferences.ts';
import type { HostResolver } from '../../shared/notifications/webhook-target.ts';
import { makeErasePatient } from '../../shared/patients/erase-patient.ts';
import { openRecordsFixture, type RecordsFixture } from '../records-api/support/records-fixture.ts';
import { denial, denialEntry } from '../records-api/support/expect-denied.ts';

const PREFERENCES: NotificationPreferences = {
  channels: [
    { type: 'email', address: 'pat@example.org' },
    { type: 'sms', address: '+14155550123' },
  ],
  mode: 'digest',
};

/** A resolver answering from a table, recording what it was asked. */
class TableResolver implements HostResolver {
  readonly asked: string[] = [];
  readonly #answers: Record<string, string[] | Error>;

  constructor(answers: Record<string, string[] | Error>) {
    this.#answers = answers;
  }

  async resolve(hostname: string): Promise<string[]> {
    this.asked.push(hostname);
    const answer = this.#answers[hostname] ?? [];
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

describe('notification preferences use cases', () => {
  let fixture: RecordsFixture;
  let store: SqlNotificationStore;
  let patient: Actor & { patientId: string };
  let deps: (policy?: WebhookPolicy) => PreferencesDeps;
  const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as DomainError);

  // One database for the file (opening PGlite takes seconds); each test has a patient of its own.
  beforeAll(async () => {
    fixture = await openRecordsFixture();
    store = new SqlNotificationStore(fixture.database.executor);
    const control = createSqlPatientControl({ journal: fixture.database.journal, executor: fixture.database.executor });
    deps = (policy = { kind: 'any-host' }) => ({ ...fixture.deps, control, preferences: store, webhookPolicy: policy });
  });

  beforeEach(async () => {
    const registered = await fixture.registerPatient();
    patient = { ...registered, patientId: registered.patientId ?? '' };
  });

  afterAll(async () => {
    await fixture.close();
  });

  const update = (preferences: unknown, options: { actor?: Actor; patientId?: string; policy?: WebhookPolicy } = {}) =>
    makeUpdatePreferences(deps(options.policy))({ actor: options.actor ?? patient, patientId: options.patientId ?? patient.patientId, preferences });
  const read = (options: { actor?: Actor; patientId?: string } = {}) => makeReadPreferences(deps())({ actor: options.actor ?? patient, patientId: options.patientId ?? patient.patientId });

  it('gives a patient who never saved any the default: no channels, immediate', async () => {
    expect(await read()).toEqual({ channels: [], mode: 'immediate' });
  });

  it('lets the patient replace and read their preferences, journaling nothing', async () => {
    // Prepare
    const journalBefore = await fixture.journalSize();

    // Act
    const saved = await update(PREFERENCES);
    const readBack = await read();

    // Assess
    expect({ saved, readBack, journaled: (await fixture.journalSize()) - journalBefore }).toEqual({ saved: PREFERENCES, readBack: PREFERENCES, journaled: 0 });
  });

  it.each([
    ['another patient', { id: 'patient-other', role: 'patient', patientId: '6f1e1c9e-0b7a-4d52-9a39-3c3f1f0b8a11' }],
    ['a practitioner', { id: 'dr-a', role: 'practitioner' }],
    ['an auditor', { id: 'auditor-1', role: 'auditor' }],
    ['an admin', { id: 'admin-1', role: 'admin' }],
  ] as const)('refuses %s, journaling the denial and writing nothing', async (_name, actor) => {
    // Prepare
    await update(PREFERENCES);

    const reason = actor.role === 'patient' ? 'not-own-records' : 'role-not-permitted';

    // Act
    const readRefusal = await denialEntry(fixture, read({ actor }));
    const updateRefusal = await denialEntry(fixture, update({ channels: [], mode: 'immediate' }, { actor }));

    // Assess
    expect({ readRefusal, updateRefusal, stored: await read() }).toEqual({
      readRefusal: expect.objectContaining(denial({ actorId: actor.id, action: 'notification-preferences.read', reason, patient: patient.patientId })),
      updateRefusal: expect.objectContaining(denial({ actorId: actor.id, action: 'notification-preferences.update', reason, patient: patient.patientId })),
      stored: PREFERENCES,
    });
  });

  it('answers not found for a patient that does not exist', async () => {
    const ghost = { id: 'patient-ghost', role: 'patient', patientId: '0d7c5a61-3a59-4a53-8d7e-0a5d2b9b7a10' } as const;

    const errors = [await failure(read({ actor: ghost, patientId: ghost.patientId })), await failure(update(PREFERENCES, { actor: ghost, patientId: ghost.patientId }))];

    expect(errors.map((error) => error instanceof NotFoundError)).toEqual([true, true]);
  });

  it('forgets the preferences of an erased patient and refuses new ones (410)', async () => {
    // Prepare
    await update(PREFERENCES);

    // Act
    await makeErasePatient(deps())({ actor: patient, patientId: patient.patientId });
    const afterErasure = await read();
    const refusal = await failure(update(PREFERENCES));

    // Assess
    expect({ afterErasure, gone: refusal instanceof GoneError, stored: await store.read(patient.patientId) }).toEqual({
      afterErasure: { channels: [], mode: 'immediate' },
      gone: true,
      stored: undefined,
    });
  });

  it.each([
    ['a bad email', { channels: [{ type: 'email', address: 'not-an-email' }], mode: 'immediate' }, 'body.channels[0].address'],
    ['a number that is not E.164', { channels: [{ type: 'sms', address: '0155 555 0123' }], mode: 'immediate' }, 'body.channels[0].address'],
    ['an http webhook', { channels: [{ type: 'webhook', address: 'http://hooks.example.org/x' }], mode: 'immediate' }, 'body.channels[0].address'],
    ['a webhook with credentials', { channels: [{ type: 'webhook', address: 'https://user:secret@hooks.example.org/x' }], mode: 'immediate' }, 'body.channels[0].address'],
    ['too many channels', { channels: Array.from({ length: 6 }, (_, n) => ({ type: 'email', address: `p${n}@example.org` })), mode: 'immediate' }, 'body.channels'],
    ['the same channel twice', { channels: [PREFERENCES.channels[0], PREFERENCES.channels[0]], mode: 'immediate' }, 'body.channels[1]'],
    ['an unknown mode', { channels: [], mode: 'hourly' }, 'body.mode'],
    ['an unknown channel type', { channels: [{ type: 'pager', address: '123' }], mode: 'immediate' }, 'body.channels[0].type'],
    ['an extra field', { channels: [], mode: 'immediate', cc: 'x' }, 'body'],
    ['channels that are not a list', { channels: 'pat@example.org', mode: 'immediate' }, 'body.channels'],
  ])('refuses %s (400) and writes nothing', async (_name, preferences, path) => {
    // Prepare
    await update(PREFERENCES);

    // Act
    const error = await failure(update(preferences));

    // Assess
    const paths = new Set((error as ValidationError).fields?.map((field) => field.path));
    expect({ invalid: error instanceof ValidationError, paths: [...paths], stored: await read() }).toEqual({
      invalid: true,
      paths: [path],
      stored: PREFERENCES,
    });
  });

  describe('under the AWS webhook policy (public hosts only)', () => {
    const webhook = (address: string): NotificationPreferences => ({
      channels: [{ type: 'email', address: 'pat@example.org' }, { type: 'webhook', address }],
      mode: 'immediate',
    });

    it.each([
      ['a name resolving to a private address', 'https://internal.example.org/hook', { 'internal.example.org': ['10.1.2.3'] }],
      ['a name with one public and one loopback address', 'https://mixed.example.org/hook', { 'mixed.example.org': ['93.184.216.34', '127.0.0.1'] }],
      ['the instance metadata address', 'https://169.254.169.254/latest/meta-data', {}],
      ['an IPv6 loopback literal', 'https://[::1]/hook', {}],
      ['a name with no addresses', 'https://nowhere.example.org/hook', {}],
      ['a name whose lookup fails', 'https://flaky.example.org/hook', { 'flaky.example.org': Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }) }],
    ])('refuses %s (422) and writes nothing', async (_name, address, answers) => {
      // Prepare
      await update(PREFERENCES);
      const resolver = new TableResolver(answers);

      // Act
      const error = await failure(update(webhook(address), { policy: { kind: 'public-only', resolver } }));

      // Assess
      expect({
        refused: error instanceof WebhookTargetRefusedError,
        path: (error as WebhookTargetRefusedError).path,
        echoesTarget: error?.message.includes(new URL(address).hostname),
        stored: await read(),
      }).toEqual({ refused: true, path: 'body.channels[1].address', echoesTarget: false, stored: PREFERENCES });
    });

    it('saves a webhook whose host resolves only to public addresses', async () => {
      const resolver = new TableResolver({ 'hooks.example.org': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] });

      const saved = await update(webhook('https://hooks.example.org/chartproof'), { policy: { kind: 'public-only', resolver } });

      expect({ saved, stored: await read(), asked: resolver.asked }).toEqual({ saved: webhook('https://hooks.example.org/chartproof'), stored: saved, asked: ['hooks.example.org'] });
    });

    it('does not resolve anything for a caller who may not change the preferences (no DNS probing)', async () => {
      const resolver = new TableResolver({ 'probe.example.org': ['10.0.0.1'] });

      const error = await failure(update(webhook('https://probe.example.org/'), { actor: { id: 'dr-a', role: 'practitioner' }, policy: { kind: 'public-only', resolver } }));

      expect({ forbidden: error?.name, asked: resolver.asked }).toEqual({ forbidden: 'ForbiddenError', asked: [] });
    });
  });

  it('accepts private webhook hosts under the local policy', async () => {
    const preferences: NotificationPreferences = { channels: [{ type: 'webhook', address: 'https://127.0.0.1:8443/hook' }], mode: 'immediate' };

    expect(await update(preferences, { policy: { kind: 'any-host' } })).toEqual(preferences);
  });
});
