/**
 * The records projection on PostgreSQL 15, where writers really run concurrently on separate
 * connections: one version wins a race, one Idempotency-Key makes one record, and the write and
 * read paths work as on PGlite.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../shared/access/actor.ts';
import { EncryptionSdkCipher } from '../../shared/adapters/encryption-sdk-cipher.ts';
import { FsObjectStore } from '../../shared/adapters/fs-object-store.ts';
import { LocalKeyVault } from '../../shared/adapters/local-key-vault.ts';
import type { RecordsDatabase } from '../../shared/adapters/pglite/records-database.ts';
import { openPostgresRecordsDatabase } from '../../shared/adapters/postgres/records-database.ts';
import { DEFAULT_JOURNAL_ROLES } from '../../shared/adapters/sql/roles.ts';
import { IdempotencyInProgressError, VersionConflictError } from '../../shared/errors.ts';
import { makeRegisterPatient } from '../../shared/patients/register-patient.ts';
import { makeCreateRecord } from '../../shared/records/create-record.ts';
import { PatientKeyCache } from '../../shared/records/patient-key-cache.ts';
import { makeReadRecord } from '../../shared/records/read-record.ts';
import type { RecordsDeps } from '../../shared/records/records-deps.ts';
import { makeUpdateRecord } from '../../shared/records/update-record.ts';
import { testSigner } from '../ledger/test-signer.ts';
import { testDatabaseUrl } from '../support/services.ts';
import { createEmptyDatabase } from '../support/journal-databases.ts';
import { observation } from './support/records-fixture.ts';

const superuserUrl = testDatabaseUrl();
const practitioner: Actor = { id: 'practitioner-1', role: 'practitioner' };

describe.skipIf(superuserUrl === undefined)('records on PostgreSQL', () => {
  let drop: (() => Promise<void>) | undefined;
  let directory: string;
  let databases: RecordsDatabase[] = [];
  let deps: RecordsDeps[] = [];
  let patient: Actor & { patientId: string };


  beforeAll(async () => {
    const created = await createEmptyDatabase(superuserUrl ?? '', 'chartproof_records');
    drop = created.drop;
    const { url } = created;
    directory = await mkdtemp(join(tmpdir(), 'chartproof-records-pg-'));
    const signer = testSigner();
    const vault = new LocalKeyVault(randomBytes(32));
    // Two "instances", each with its own pool, over one database, object store and vault.
    for (let instance = 0; instance < 2; instance++) {
      const database = await openPostgresRecordsDatabase({ url, migrate: true, runtimeRole: DEFAULT_JOURNAL_ROLES.runtime, maxConnections: 4, signer });
      databases.push(database);
      deps.push({
        journal: database.journal,
        projection: database.projection,
        objects: new FsObjectStore({ root: join(directory, 'objects') }),
        keys: new PatientKeyCache({ vault, now: Date.now, maxAgeMs: 60_000, maxUses: 1_000, maxEntries: 100 }),
        cipher: new EncryptionSdkCipher(),
        clock: () => new Date(),
        newId: randomUUID,
      });
    }
    const { patientId } = await makeRegisterPatient(deps[0] as RecordsDeps)({ actor: { id: 'admin-1', role: 'admin' } });
    patient = { id: 'patient-1', role: 'patient', patientId };
  });

  afterAll(async () => {
    await Promise.allSettled(databases.map((database) => database.close()));
    databases = [];
    deps = [];
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
    await drop?.();
  });

  const instance = (n: number) => deps[n] as RecordsDeps;

  it('writes and reads a record', async () => {
    const created = await makeCreateRecord(instance(0))({ actor: practitioner, patientId: patient.patientId, resource: observation(70) });

    const read = await makeReadRecord(instance(1))({ actor: patient, patientId: patient.patientId, recordId: created.recordId });

    expect([read.version, read.resource.valueQuantity]).toEqual([1, expect.objectContaining({ value: 70 })]);
  });

  it('lets exactly one of concurrent updates from two instances win', async () => {
    const created = await makeCreateRecord(instance(0))({ actor: practitioner, patientId: patient.patientId, resource: observation() });
    const update = (n: number) =>
      makeUpdateRecord(instance(n % 2))({ actor: practitioner, patientId: patient.patientId, recordId: created.recordId, ifMatch: 1, resource: observation(n) });

    const outcomes = await Promise.allSettled([0, 1, 2, 3, 4, 5].map(update));

    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect([won.length, lost.every((reason) => reason instanceof VersionConflictError)]).toEqual([1, true]);
  });

  it('journals one record for concurrent requests with one Idempotency-Key', async () => {
    const before = (await databases[0]?.journal.treeHead())?.size ?? 0;
    const create = (n: number) =>
      makeCreateRecord(instance(n % 2))({ actor: practitioner, patientId: patient.patientId, resource: observation(5), idempotencyKey: 'race-key' });

    const outcomes = await Promise.allSettled([0, 1, 2, 3].map(create));

    const recordIds = new Set(outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.recordId] : [])));
    const refusals = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    const after = (await databases[0]?.journal.treeHead())?.size ?? 0;
    expect([recordIds.size, refusals.every((reason) => reason instanceof IdempotencyInProgressError), after - before]).toEqual([1, true, 1]);
  });
});
