/**
 * The record use cases over the embedded adapters: what a write stores and journals, what a read
 * checks, optimistic concurrency, integrity failures, idempotency and refusals of bad input.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../shared/access/actor.ts';
import {
  GoneError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
  IntegrityFailureError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
  VersionConflictError,
} from '../../shared/errors.ts';
import { entryBytes, entryLeafHash } from '../../shared/ledger/entry.ts';
import { encodeBase64 } from '../../shared/ledger/strict-base64.ts';
import { makeRegisterPatient } from '../../shared/patients/register-patient.ts';
import { repairReceipts } from '../../shared/audit/repair-receipts.ts';
import { createSqlPatientControl } from '../../shared/adapters/sql/patient-control.ts';
import { makeCreateRecord } from '../../shared/records/create-record.ts';
import { MAX_RESOURCE_BYTES } from '../../shared/records/fhir-resource.ts';
import { makeListRecords } from '../../shared/records/list-records.ts';
import { makeReadRecord } from '../../shared/records/read-record.ts';
import { makeRecordHistory } from '../../shared/records/record-history.ts';
import { makeUpdateRecord } from '../../shared/records/update-record.ts';
import { RecordCipherError, RecordDecryptError } from '../../shared/ports/record-cipher.ts';
import { observation, openRecordsFixture, type RecordsFixture } from './support/records-fixture.ts';

let fixture: RecordsFixture;
let patient: Actor & { patientId: string };

beforeAll(async () => {
  fixture = await openRecordsFixture();
  patient = (await fixture.registerPatient()) as Actor & { patientId: string };
});

afterAll(async () => {
  await fixture?.close();
});

const create = (resource: unknown = observation(), options: { category?: string; idempotencyKey?: string; actor?: Actor } = {}) =>
  makeCreateRecord(fixture.deps)({ actor: options.actor ?? fixture.practitioner, patientId: patient.patientId, resource, ...options });

const objectPath = (recordId: string, version: number) => join(fixture.objectRoot, 'records', patient.patientId, recordId, String(version));

describe('creating a record', () => {
  it('stores the ciphertext under records/<patientId>/<recordId>/1, and journals its SHA-256', async () => {
    const created = await create(observation(), { category: 'vital-signs' });

    const stored = await readFile(objectPath(created.recordId, 1));
    expect(await fixture.journalEntry(created.entry.index)).toMatchObject({
      type: 'record.created',
      record: { id: created.recordId, version: 1, sha256: createHash('sha256').update(stored).digest('base64'), category: 'vital-signs' },
    });
  });

  it('replaces a client id with the record id and stamps meta.versionId, keeping other meta members', async () => {
    const created = await create({ ...observation(), id: 'client-chosen', meta: { profile: ['http://example.org/p'] } });

    const read = await makeReadRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId });

    expect(read.resource).toMatchObject({ id: created.recordId, meta: { versionId: '1', profile: ['http://example.org/p'] } });
  });
});

describe('updating a record', () => {
  it('writes version 2 when If-Match names version 1', async () => {
    const created = await create();

    const updated = await makeUpdateRecord(fixture.deps)({ actor: fixture.practitioner, patientId: patient.patientId, recordId: created.recordId, ifMatch: 1, resource: observation(99) });

    expect(updated.version).toBe(2);
  });

  it('refuses a stale If-Match with the current version, writing nothing', async () => {
    const created = await create();
    await makeUpdateRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId, ifMatch: 1, resource: observation(80) });
    const before = await fixture.journalSize();

    const stale = makeUpdateRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId, ifMatch: 1, resource: observation(81) });

    await expect(stale).rejects.toMatchObject({ name: 'VersionConflictError', got: 1, want: 2 });
    expect(await fixture.journalSize()).toBe(before);
  });

  it('lets exactly one of two concurrent updates of the same version win', async () => {
    const created = await create();
    const update = (value: number) =>
      makeUpdateRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId, ifMatch: 1, resource: observation(value) });

    const outcomes = await Promise.allSettled([update(1), update(2)]);

    const rejected = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => (outcome as PromiseRejectedResult).reason);
    expect([outcomes.length - rejected.length, rejected[0]]).toEqual([1, expect.any(VersionConflictError)]);
  });

  it('refuses a missing If-Match as invalid input', async () => {
    const created = await create();

    const attempt = makeUpdateRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId, ifMatch: undefined, resource: observation() });

    await expect(attempt).rejects.toMatchObject({ name: 'ValidationError', fields: [{ path: 'headers.if-match' }] });
  });

  it('refuses a resource whose id names another record', async () => {
    const created = await create();

    const attempt = makeUpdateRecord(fixture.deps)({
      actor: patient,
      patientId: patient.patientId,
      recordId: created.recordId,
      ifMatch: 1,
      resource: { ...observation(), id: 'someone-else' },
    });

    await expect(attempt).rejects.toMatchObject({ name: 'ValidationError', fields: [{ path: 'body.resource.id' }] });
  });

  it('answers 410 once the patient is erased, even when the patient was cached before', async () => {
    const erased = (await fixture.registerPatient()) as Actor & { patientId: string };
    await makeCreateRecord(fixture.deps)({ actor: erased, patientId: erased.patientId, resource: observation() });
    await fixture.database.executor.withSession((session) =>
      session.query('UPDATE chartproof.patients SET wrapped_key = NULL, erased_at = now() WHERE patient_id = $1', [erased.patientId]),
    );
    const before = await fixture.journalSize();

    const attempt = makeCreateRecord(fixture.deps)({ actor: erased, patientId: erased.patientId, resource: observation() });

    await expect(attempt).rejects.toBeInstanceOf(GoneError);
    expect(await fixture.journalSize()).toBe(before);
  });

  it('answers 404 for a record that does not exist', async () => {
    const attempt = makeUpdateRecord(fixture.deps)({
      actor: patient,
      patientId: patient.patientId,
      recordId: '00000000-0000-4000-8000-000000000000',
      ifMatch: 1,
      resource: observation(),
    });

    await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
  });

  it('recovers when an earlier failed write left an object under the version key', async () => {
    const created = await create();
    await writeFile(objectPath(created.recordId, 2), 'left by a write whose transaction failed');

    const updated = await makeUpdateRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId, ifMatch: 1, resource: observation(77) });
    const read = await makeReadRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId });

    expect([updated.version, read.resource.valueQuantity]).toEqual([2, expect.objectContaining({ value: 77 })]);
  });
});

describe('reading a record', () => {
  it('returns each version with the record.read receipt', async () => {
    const created = await create(observation(60));
    await makeUpdateRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId, ifMatch: 1, resource: observation(61) });

    const first = await makeReadRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId, version: 1 });
    const current = await makeReadRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId });

    expect([first.resource.valueQuantity, current.resource.valueQuantity, (await fixture.journalEntry(current.entry.index)).type]).toEqual([
      expect.objectContaining({ value: 60 }),
      expect.objectContaining({ value: 61 }),
      'record.read',
    ]);
  });

  it('fails closed when a byte of the stored object changed: integrity-failure, journaled with the observed hash', async () => {
    const created = await create();
    const path = objectPath(created.recordId, 1);
    const bytes = await readFile(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x01;
    await rm(path);
    await writeFile(path, bytes);

    const error = await makeReadRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(IntegrityFailureError);
    const entry = await fixture.journalEntry((error as IntegrityFailureError).receipt?.index ?? -1);
    expect(entry).toMatchObject({
      type: 'integrity.failure',
      record: { id: created.recordId, version: 1, sha256: created.sha256 },
      observedSha256: createHash('sha256').update(bytes).digest('base64'),
    });
  });

  it('fails closed when the stored object is missing', async () => {
    const created = await create();
    await rm(objectPath(created.recordId, 1));

    const attempt = makeReadRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId });

    await expect(attempt).rejects.toBeInstanceOf(IntegrityFailureError);
  });

  it('fails closed when an object was moved to another version key (decrypts under the wrong context)', async () => {
    const created = await create(observation(1));
    await makeUpdateRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId, ifMatch: 1, resource: observation(2) });
    // Swap version 1's bytes in for version 2 and fix nothing else: the hash check catches it first.
    const versionOne = await readFile(objectPath(created.recordId, 1));
    await rm(objectPath(created.recordId, 2));
    await writeFile(objectPath(created.recordId, 2), versionOne);

    const attempt = makeReadRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId, version: 2 });

    await expect(attempt).rejects.toBeInstanceOf(IntegrityFailureError);
  });

  it('answers 404 for a version that does not exist', async () => {
    const created = await create();

    const attempt = makeReadRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId, version: 5 });

    await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('history', () => {
  it('lists every version, oldest first, each with the receipt that wrote it', async () => {
    const created = await create();
    const updated = await makeUpdateRecord(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId, ifMatch: 1, resource: observation() });

    const history = await makeRecordHistory(fixture.deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId });

    expect(history.items.map((item) => [item.version, item.entry])).toEqual([
      [1, created.entry],
      [2, updated.entry],
    ]);
  });
});

describe('listing', () => {
  it('pages through the current versions with an opaque cursor', async () => {
    const owner = (await fixture.registerPatient()) as Actor & { patientId: string };
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      ids.add((await makeCreateRecord(fixture.deps)({ actor: owner, patientId: owner.patientId, resource: observation(i) })).recordId);
    }
    const list = makeListRecords(fixture.deps);

    const first = await list({ actor: owner, patientId: owner.patientId, limit: 2 });
    const second = await list({ actor: owner, patientId: owner.patientId, limit: 2, cursor: first.next });
    const third = await list({ actor: owner, patientId: owner.patientId, limit: 2, cursor: second.next });

    const seen = [...first.items, ...second.items, ...third.items].map((item) => item.recordId);
    expect([new Set(seen), seen.length, third.next]).toEqual([ids, 5, undefined]);
  });

  it('journals the ids it showed as record.listed', async () => {
    const owner = (await fixture.registerPatient()) as Actor & { patientId: string };
    const created = await makeCreateRecord(fixture.deps)({ actor: owner, patientId: owner.patientId, resource: observation() });

    const page = await makeListRecords(fixture.deps)({ actor: owner, patientId: owner.patientId });

    expect(await fixture.journalEntry(page.entry.index)).toMatchObject({ type: 'record.listed', recordIds: [created.recordId] });
  });

  it.each([0, 101, 1.5])('refuses limit %s', async (limit) => {
    const attempt = makeListRecords(fixture.deps)({ actor: patient, patientId: patient.patientId, limit });

    await expect(attempt).rejects.toMatchObject({ name: 'ValidationError', fields: [{ path: 'query.limit' }] });
  });

  it('refuses a cursor it did not issue', async () => {
    const attempt = makeListRecords(fixture.deps)({ actor: patient, patientId: patient.patientId, cursor: 'bm90LWEtY3Vyc29y' });

    await expect(attempt).rejects.toMatchObject({ name: 'ValidationError', fields: [{ path: 'query.cursor' }] });
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body, writing nothing', async () => {
    const first = await create(observation(5), { idempotencyKey: 'key-replay' });
    const journalBefore = await fixture.journalSize();
    const objectsBefore = await fixture.storedObjects();

    const replay = await create(observation(5), { idempotencyKey: 'key-replay' });

    expect([replay, await fixture.journalSize(), await fixture.storedObjects()]).toEqual([first, journalBefore, objectsBefore]);
  });

  it('refuses the same key with a different body, writing nothing', async () => {
    await create(observation(5), { idempotencyKey: 'key-conflict' });
    const journalBefore = await fixture.journalSize();
    const objectsBefore = await fixture.storedObjects();

    const attempt = create(observation(6), { idempotencyKey: 'key-conflict' });

    await expect(attempt).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect([await fixture.journalSize(), await fixture.storedObjects()]).toEqual([journalBefore, objectsBefore]);
  });

  it('scopes keys by actor: another actor may use the same key', async () => {
    const first = await create(observation(5), { idempotencyKey: 'key-shared' });

    const other = await create(observation(5), { idempotencyKey: 'key-shared', actor: patient });

    expect(other.recordId).not.toBe(first.recordId);
  });

  it('makes two concurrent requests with one key journal one record: the other replays it or is told to retry', async () => {
    const journalBefore = await fixture.journalSize();

    const outcomes = await Promise.allSettled([create(observation(7), { idempotencyKey: 'key-race' }), create(observation(7), { idempotencyKey: 'key-race' })]);

    const recordIds = new Set(outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.recordId] : [])));
    const refusals = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect([recordIds.size, refusals.every((reason) => reason instanceof IdempotencyInProgressError), await fixture.journalSize()]).toEqual([
      1,
      true,
      journalBefore + 1,
    ]);
  });

  it('replays a patient registration', async () => {
    const register = makeRegisterPatient(fixture.deps);
    const first = await register({ actor: fixture.admin, externalRef: 'MRN-77', idempotencyKey: 'register-1' });
    const journalBefore = await fixture.journalSize();

    const replay = await register({ actor: fixture.admin, externalRef: 'MRN-77', idempotencyKey: 'register-1' });

    expect([replay, await fixture.journalSize()]).toEqual([first, journalBefore]);
  });
});

describe('bad input writes nothing', () => {
  const bombDepth = 10_000;
  const bomb = (): unknown => {
    let value: unknown = { resourceType: 'Observation' };
    for (let i = 0; i < bombDepth; i++) value = { resourceType: 'Observation', nested: value };
    return value;
  };
  const cases: [string, () => unknown, new (...args: never[]) => Error][] = [
    ['no resourceType', () => ({ status: 'final' }), ValidationError],
    ['a lowercase resourceType', () => ({ resourceType: 'observation' }), ValidationError],
    ['an array', () => [observation()], ValidationError],
    ['a string', () => 'Observation', ValidationError],
    ['null', () => null, ValidationError],
    ['a malformed id', () => ({ ...observation(), id: 'has spaces' }), ValidationError],
    ['meta that is not an object', () => ({ ...observation(), meta: 'x' }), ValidationError],
    ['a nesting bomb', bomb, ValidationError],
    ['more than 1 MiB', () => ({ ...observation(), note: [{ text: 'x'.repeat(MAX_RESOURCE_BYTES) }] }), PayloadTooLargeError],
  ];

  it.each(cases)('refuses %s', async (_name, resource, errorClass) => {
    const journalBefore = await fixture.journalSize();
    const objectsBefore = await fixture.storedObjects();

    const attempt = create(resource());

    await expect(attempt).rejects.toBeInstanceOf(errorClass);
    expect([await fixture.journalSize(), await fixture.storedObjects()]).toEqual([journalBefore, objectsBefore]);
  });

  it.each([
    ['a category with spaces', { category: 'vital signs' }],
    ['a malformed Idempotency-Key', { idempotencyKey: 'has spaces' }],
  ])('refuses %s', async (_name, options) => {
    const journalBefore = await fixture.journalSize();

    const attempt = create(observation(), options);

    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    expect(await fixture.journalSize()).toBe(journalBefore);
  });

  it('refuses a patient id that is not a UUID', async () => {
    const journalBefore = await fixture.journalSize();

    const attempt = makeCreateRecord(fixture.deps)({ actor: fixture.practitioner, patientId: '../../etc', resource: observation() });

    await expect(attempt).rejects.toMatchObject({ name: 'ValidationError', fields: [{ path: 'path.patientId' }] });
    expect(await fixture.journalSize()).toBe(journalBefore);
  });
});

describe('at rest', () => {
  const marker = 'chartproof-plaintext-marker-4f1c';
  const markedObservation = () => ({ ...observation(), note: [{ text: marker }] });

  it('stores no plaintext in the object', async () => {
    const created = await create(markedObservation());

    const stored = await readFile(objectPath(created.recordId, 1));

    expect([stored.includes(marker), stored.includes('Heart rate'), stored.includes('Observation')]).toEqual([false, false, false]);
  });

  it("does not decrypt under another patient's context, even with the right key", async () => {
    const created = await create(markedObservation());
    const other = (await fixture.registerPatient()) as Actor & { patientId: string };
    const ciphertext = new Uint8Array(await readFile(objectPath(created.recordId, 1)));
    const row = await fixture.deps.projection.patient(patient.patientId);
    const patientKey = await fixture.deps.keys.unwrapPatientKey(patient.patientId, row?.wrappedKey ?? new Uint8Array());

    const attempt = fixture.deps.cipher.decrypt({ ciphertext, patientKey, context: { patientId: other.patientId, recordId: created.recordId, version: 1 } });

    await expect(attempt).rejects.toBeInstanceOf(RecordCipherError);
  });

  it("does not decrypt with another patient's key", async () => {
    const created = await create(markedObservation());
    const other = (await fixture.registerPatient()) as Actor & { patientId: string };
    const ciphertext = new Uint8Array(await readFile(objectPath(created.recordId, 1)));
    const row = await fixture.deps.projection.patient(other.patientId);
    const otherKey = await fixture.deps.keys.unwrapPatientKey(other.patientId, row?.wrappedKey ?? new Uint8Array());

    const attempt = fixture.deps.cipher.decrypt({ ciphertext, patientKey: otherKey, context: { patientId: patient.patientId, recordId: created.recordId, version: 1 } });

    await expect(attempt).rejects.toBeInstanceOf(RecordDecryptError);
  });
});

describe('receipt repair after a crash between commit and the recording of the index', () => {
  it('finds the entry by its leaf hash and records its index', async () => {
    const patientId = randomUUID();
    const entry = { v: 1, type: 'patient.registered', at: new Date().toISOString(), actor: { id: 'admin-1', role: 'admin' }, patient: patientId } as const;
    const key = await fixture.deps.keys.createPatientKey(patientId);
    const leafHash = encodeBase64(entryLeafHash(entry));
    const { receipts } = await fixture.deps.projection.transact(async (tx) => {
      await tx.insertPatient({ patientId, externalRef: undefined, wrappedKey: key.wrappedKey, registeredAt: entry.at, leafHash });
      tx.append([entryBytes(entry)]);
    });

    const control = createSqlPatientControl({ journal: fixture.database.journal, executor: fixture.database.executor });
    const result = await repairReceipts({ projection: fixture.deps.projection, control, journal: fixture.database.journal }, { graceMs: 0 });

    expect([result, (await fixture.deps.projection.patient(patientId))?.entry.index]).toEqual([{ repaired: 1, unresolved: 0 }, receipts[0]?.index]);
  });
});
