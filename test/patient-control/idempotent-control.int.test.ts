/**
 * Idempotency-Key on patient control's POSTs on PostgreSQL 15, where requests really race on
 * separate connections of two instances: concurrent grants (or erasures) under one key journal one
 * entry; the requests that succeed answer with its receipt, the others are told to retry (409).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../shared/access/actor.ts';
import { LocalKeyVault } from '../../shared/adapters/local-key-vault.ts';
import type { RecordsDatabase } from '../../shared/adapters/pglite/records-database.ts';
import { openPostgresRecordsDatabase } from '../../shared/adapters/postgres/records-database.ts';
import { createSqlPatientControl } from '../../shared/adapters/sql/patient-control.ts';
import { DEFAULT_JOURNAL_ROLES } from '../../shared/adapters/sql/roles.ts';
import type { ControlDeps } from '../../shared/consent/control-deps.ts';
import { makeGrantConsent } from '../../shared/consent/grant-consent.ts';
import { IdempotencyInProgressError } from '../../shared/errors.ts';
import { makeErasePatient } from '../../shared/patients/erase-patient.ts';
import { makeRegisterPatient } from '../../shared/patients/register-patient.ts';
import { PatientKeyCache } from '../../shared/records/patient-key-cache.ts';
import { testSigner } from '../ledger/test-signer.ts';
import { createEmptyDatabase } from '../support/journal-databases.ts';
import { testDatabaseUrl } from '../support/services.ts';

const superuserUrl = testDatabaseUrl();

describe.skipIf(superuserUrl === undefined)('Idempotency-Key on consent grants and erasures, on PostgreSQL', () => {
  let drop: (() => Promise<void>) | undefined;
  let databases: RecordsDatabase[] = [];
  let instances: ControlDeps[] = [];

  const journalSize = async () => (await databases[0]?.journal.treeHead())?.size ?? 0;
  const newPatient = async (): Promise<Actor & { patientId: string }> => {
    const { patientId } = await makeRegisterPatient(instances[0] as ControlDeps)({ actor: { id: 'admin-1', role: 'admin' } });
    return { id: `patient-${patientId.slice(0, 8)}`, role: 'patient', patientId };
  };
  /** The receipts of the requests that succeeded, and whether every other one was told to retry. */
  const settle = (outcomes: PromiseSettledResult<{ entry: { index: number } }>[]) => ({
    receipts: new Set(outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.entry.index] : []))).size,
    othersRetry: outcomes.every((outcome) => outcome.status === 'fulfilled' || outcome.reason instanceof IdempotencyInProgressError),
  });

  beforeAll(async () => {
    const created = await createEmptyDatabase(superuserUrl ?? '', 'chartproof_control');
    drop = created.drop;
    const { url } = created;
    const signer = testSigner();
    const vault = new LocalKeyVault(randomBytes(32));
    // Two "instances", each with its own pool, over one database and vault.
    for (let n = 0; n < 2; n++) {
      const database = await openPostgresRecordsDatabase({ url, migrate: true, runtimeRole: DEFAULT_JOURNAL_ROLES.runtime, maxConnections: 4, signer });
      databases.push(database);
      instances.push({
        journal: database.journal,
        projection: database.projection,
        control: createSqlPatientControl({ journal: database.journal, executor: database.executor }),
        keys: new PatientKeyCache({ vault, now: Date.now, maxAgeMs: 60_000, maxUses: 1_000, maxEntries: 100 }),
        clock: () => new Date(),
        newId: randomUUID,
      });
    }
  });

  afterAll(async () => {
    await Promise.allSettled(databases.map((database) => database.close()));
    databases = [];
    instances = [];
    await drop?.();
  });

  it('journals one consent for concurrent grants with one key', async () => {
    const patient = await newPatient();
    const before = await journalSize();
    const grant = (n: number) =>
      makeGrantConsent(instances[n % 2] as ControlDeps)({ actor: patient, patientId: patient.patientId, grantee: 'dr-a', scope: { all: true }, idempotencyKey: 'race-grant' });

    const outcomes = await Promise.allSettled([0, 1, 2, 3].map(grant));

    const consents = await (instances[0] as ControlDeps).control.consents(patient.patientId);
    expect({ ...settle(outcomes), consents: consents.length, journalGrew: (await journalSize()) - before }).toEqual({
      receipts: 1,
      othersRetry: true,
      consents: 1,
      journalGrew: 1,
    });
  });

  it('journals one erasure for concurrent erasures with one key', async () => {
    const patient = await newPatient();
    const before = await journalSize();
    const erase = (n: number) => makeErasePatient(instances[n % 2] as ControlDeps)({ actor: patient, patientId: patient.patientId, idempotencyKey: 'race-erase' });

    const outcomes = await Promise.allSettled([0, 1, 2, 3].map(erase));

    expect({ ...settle(outcomes), journalGrew: (await journalSize()) - before }).toEqual({ receipts: 1, othersRetry: true, journalGrew: 1 });
  });
});
