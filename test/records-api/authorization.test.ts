/**
 * Who may do what (ARCHITECTURE.md D3) for this issue: patients act on their own records only;
 * practitioners create and update records of registered patients, and their reads are denied
 * until consents exist; auditors and admins never see or change contents; only admins register
 * patients. Every denial is journaled and its receipt comes back with the refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../shared/access/actor.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { makeRegisterPatient } from '../../shared/patients/register-patient.ts';
import { makeCreateRecord } from '../../shared/records/create-record.ts';
import { makeListRecords } from '../../shared/records/list-records.ts';
import { makeReadRecord } from '../../shared/records/read-record.ts';
import { makeRecordHistory } from '../../shared/records/record-history.ts';
import { makeUpdateRecord } from '../../shared/records/update-record.ts';
import { denial, denialEntry } from './support/expect-denied.ts';
import { observation, openRecordsFixture, type RecordsFixture } from './support/records-fixture.ts';

let fixture: RecordsFixture;
let patient: Actor & { patientId: string };
let otherPatient: Actor & { patientId: string };
let recordId: string;

beforeAll(async () => {
  fixture = await openRecordsFixture();
  patient = (await fixture.registerPatient()) as Actor & { patientId: string };
  otherPatient = (await fixture.registerPatient()) as Actor & { patientId: string };
  ({ recordId } = await makeCreateRecord(fixture.deps)({ actor: fixture.practitioner, patientId: patient.patientId, resource: observation() }));
});

afterAll(async () => {
  await fixture?.close();
});

describe('a patient', () => {
  it('creates a record of their own', async () => {
    const created = await makeCreateRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, resource: observation() });

    expect(created.version).toBe(1);
  });

  it("is denied creating a record for another patient, and the attempt is journaled against that patient", async () => {
    const attempt = makeCreateRecord(fixture.deps)({ actor: patient, patientId: otherPatient.patientId, resource: observation() });

    expect(await denialEntry(fixture, attempt)).toMatchObject(denial({ actorId: patient.id, action: 'record.create', reason: 'not-own-records', patient: otherPatient.patientId }));
  });

  it("is denied reading another patient's record", async () => {
    const attempt = makeReadRecord(fixture.deps)({ actor: otherPatient, patientId: patient.patientId, recordId });

    expect(await denialEntry(fixture, attempt)).toMatchObject(denial({ actorId: otherPatient.id, action: 'record.read', reason: 'not-own-records', patient: patient.patientId }));
  });

  it("is denied updating another patient's record", async () => {
    const attempt = makeUpdateRecord(fixture.deps)({ actor: otherPatient, patientId: patient.patientId, recordId, ifMatch: 1, resource: observation() });

    expect(await denialEntry(fixture, attempt)).toMatchObject(denial({ actorId: otherPatient.id, action: 'record.update', reason: 'not-own-records', patient: patient.patientId }));
  });

  it("is denied listing another patient's records", async () => {
    const attempt = makeListRecords(fixture.deps)({ actor: otherPatient, patientId: patient.patientId });

    expect(await denialEntry(fixture, attempt)).toMatchObject(denial({ actorId: otherPatient.id, action: 'record.list', reason: 'not-own-records', patient: patient.patientId }));
  });

  it("is denied another patient's record history", async () => {
    const attempt = makeRecordHistory(fixture.deps)({ actor: otherPatient, patientId: patient.patientId, recordId });

    expect(await denialEntry(fixture, attempt)).toMatchObject(denial({ actorId: otherPatient.id, action: 'record.history', reason: 'not-own-records', patient: patient.patientId }));
  });

  it('reads, lists and sees the history of their own record', async () => {
    const read = await makeReadRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId });
    const list = await makeListRecords(fixture.deps)({ actor: patient, patientId: patient.patientId });
    const history = await makeRecordHistory(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId });

    expect([read.recordId, list.items.map((item) => item.recordId).includes(recordId), history.items.length]).toEqual([recordId, true, 1]);
  });

  it('may not register patients', async () => {
    const attempt = makeRegisterPatient(fixture.deps)({ actor: patient });

    expect(await denialEntry(fixture, attempt)).toMatchObject(denial({ actorId: patient.id, action: 'patient.register', reason: 'role-not-permitted' }));
  });
});

describe('a practitioner', () => {
  it('creates a record for a registered patient', async () => {
    const created = await makeCreateRecord(fixture.deps)({ actor: fixture.practitioner, patientId: otherPatient.patientId, resource: observation() });

    expect(await fixture.journalEntry(created.entry.index)).toMatchObject({ type: 'record.created', actor: fixture.practitioner, patient: otherPatient.patientId });
  });

  it('updates a record of a registered patient', async () => {
    const created = await makeCreateRecord(fixture.deps)({ actor: fixture.practitioner, patientId: otherPatient.patientId, resource: observation() });

    const updated = await makeUpdateRecord(fixture.deps)({
      actor: fixture.practitioner,
      patientId: otherPatient.patientId,
      recordId: created.recordId,
      ifMatch: 1,
      resource: observation(90),
    });

    expect(await fixture.journalEntry(updated.entry.index)).toMatchObject({ type: 'record.updated', record: { id: created.recordId, version: 2 } });
  });

  it('gets 404 creating a record for a patient who is not registered, and nothing is journaled', async () => {
    const before = await fixture.journalSize();

    const attempt = makeCreateRecord(fixture.deps)({ actor: fixture.practitioner, patientId: '00000000-0000-4000-8000-000000000000', resource: observation() });

    await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
    expect(await fixture.journalSize()).toBe(before);
  });

  it('is denied reading a record (no consent), and the denial is journaled', async () => {
    const attempt = makeReadRecord(fixture.deps)({ actor: fixture.practitioner, patientId: patient.patientId, recordId });

    expect(await denialEntry(fixture, attempt)).toMatchObject(denial({ actorId: fixture.practitioner.id, action: 'record.read', reason: 'no-consent', patient: patient.patientId }));
  });

  it('is denied listing records', async () => {
    const attempt = makeListRecords(fixture.deps)({ actor: fixture.practitioner, patientId: patient.patientId });

    expect(await denialEntry(fixture, attempt)).toMatchObject(denial({ actorId: fixture.practitioner.id, action: 'record.list', reason: 'no-consent' }));
  });

  it('is denied record history', async () => {
    const attempt = makeRecordHistory(fixture.deps)({ actor: fixture.practitioner, patientId: patient.patientId, recordId });

    expect(await denialEntry(fixture, attempt)).toMatchObject(denial({ actorId: fixture.practitioner.id, action: 'record.history', reason: 'no-consent' }));
  });

  it('is denied reading a patient who does not exist exactly as one who does (no existence leak)', async () => {
    const attempt = makeReadRecord(fixture.deps)({ actor: fixture.practitioner, patientId: '00000000-0000-4000-8000-000000000001', recordId });

    expect(await denialEntry(fixture, attempt)).toMatchObject(denial({ actorId: fixture.practitioner.id, action: 'record.read', reason: 'no-consent' }));
  });
});

describe.each([
  ['an auditor', () => fixture.auditor],
  ['an admin', () => fixture.admin],
])('%s', (_name, actorOf) => {
  it('is denied reading a record', async () => {
    const attempt = makeReadRecord(fixture.deps)({ actor: actorOf(), patientId: patient.patientId, recordId });

    expect(await denialEntry(fixture, attempt)).toMatchObject(denial({ actorId: actorOf().id, action: 'record.read', reason: 'role-not-permitted', patient: patient.patientId }));
  });

  it('is denied creating a record', async () => {
    const attempt = makeCreateRecord(fixture.deps)({ actor: actorOf(), patientId: patient.patientId, resource: observation() });

    expect(await denialEntry(fixture, attempt)).toMatchObject(denial({ actorId: actorOf().id, action: 'record.create', reason: 'role-not-permitted' }));
  });

  it('is denied updating a record', async () => {
    const attempt = makeUpdateRecord(fixture.deps)({ actor: actorOf(), patientId: patient.patientId, recordId, ifMatch: 1, resource: observation() });

    expect(await denialEntry(fixture, attempt)).toMatchObject(denial({ actorId: actorOf().id, action: 'record.update', reason: 'role-not-permitted' }));
  });

  it('is denied listing records', async () => {
    const attempt = makeListRecords(fixture.deps)({ actor: actorOf(), patientId: patient.patientId });

    expect(await denialEntry(fixture, attempt)).toMatchObject(denial({ actorId: actorOf().id, action: 'record.list', reason: 'role-not-permitted' }));
  });
});

describe('an admin', () => {
  it('registers a patient, journaled as patient.registered', async () => {
    const registered = await makeRegisterPatient(fixture.deps)({ actor: fixture.admin, externalRef: 'MRN-0001' });

    expect(await fixture.journalEntry(registered.entry.index)).toMatchObject({ type: 'patient.registered', patient: registered.patientId });
  });
});

describe('a practitioner registering a patient', () => {
  it('is denied, and the attempt is journaled', async () => {
    const attempt = makeRegisterPatient(fixture.deps)({ actor: fixture.practitioner });

    expect(await denialEntry(fixture, attempt)).toMatchObject(denial({ actorId: fixture.practitioner.id, action: 'patient.register', reason: 'role-not-permitted' }));
  });
});
