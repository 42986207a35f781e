/**
 * Receipts a crash left without their journal index (a write committed, then the process died
 * before recording the index): repairReceipts finds each entry by its leaf hash and completes every
 * kind of row, after which an Idempotency-Key replay answers with the first response's receipt
 * instead of 409 "in progress". On PGlite; the statements are the same on PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../shared/access/actor.ts';
import { createSqlPatientControl } from '../../shared/adapters/sql/patient-control.ts';
import { repairReceipts } from '../../shared/audit/repair-receipts.ts';
import { makeGrantConsent } from '../../shared/consent/grant-consent.ts';
import { IdempotencyInProgressError } from '../../shared/errors.ts';
import { makeCreateRecord } from '../../shared/records/create-record.ts';
import { makeReadRecord } from '../../shared/records/read-record.ts';
import type { RecordsDeps } from '../../shared/records/records-deps.ts';
import { observation, openRecordsFixture, type RecordsFixture } from '../records-api/support/records-fixture.ts';

describe('receipt repair after a crash between a commit and the recording of its index', () => {
  let fixture: RecordsFixture;
  let deps: RecordsDeps & { control: NonNullable<RecordsDeps['control']> };
  let patient: Actor & { patientId: string };

  beforeEach(async () => {
    fixture = await openRecordsFixture();
    deps = { ...fixture.deps, control: createSqlPatientControl({ journal: fixture.database.journal, executor: fixture.database.executor }) };
    patient = (await fixture.registerPatient()) as Actor & { patientId: string };
  });

  afterEach(async () => {
    await fixture.close();
  });

  const grant = () =>
    makeGrantConsent(deps)({ actor: patient, patientId: patient.patientId, grantee: 'dr-a', scope: { all: true }, idempotencyKey: 'grant-1' });
  /** What a crash right after the commits would have left: every index below unknown. */
  const forgetIndexes = (ids: { recordId: string; consentId: string }) =>
    fixture.database.executor.withSession(async (session) => {
      await session.query('UPDATE chartproof.records SET journal_index = NULL WHERE record_id = $1::uuid', [ids.recordId]);
      await session.query('UPDATE chartproof.access_index SET journal_index = NULL WHERE patient_id = $1::uuid', [patient.patientId]);
      await session.query('UPDATE chartproof.consents SET journal_index = NULL WHERE consent_id = $1::uuid', [ids.consentId]);
      await session.query("UPDATE chartproof.idempotency_keys SET entry_index = NULL WHERE key = 'grant-1'");
    });
  const repair = (options?: { maxScan: number }) => repairReceipts({ ...deps, journal: fixture.database.journal }, options);
  const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

  it('completes record versions, access rows, consents and claims, and the replay then answers as the first time', async () => {
    // Prepare
    const created = await makeCreateRecord(deps)({ actor: fixture.practitioner, patientId: patient.patientId, resource: observation() });
    const read = await makeReadRecord(deps)({ actor: patient, patientId: patient.patientId, recordId: created.recordId });
    const granted = await grant();
    await forgetIndexes({ recordId: created.recordId, consentId: granted.consentId });
    const replayBefore = await failure(grant());

    // Act
    const result = await repair();

    // Assess
    const version = await deps.projection.recordVersion({ patientId: patient.patientId, recordId: created.recordId, version: 1 });
    const [consent] = await deps.control.consents(patient.patientId);
    const accessIndexes = (await deps.control.accessLog({ patientId: patient.patientId, limit: 10 })).map((row) => row.entry.index);
    expect({
      replayBefore: replayBefore instanceof IdempotencyInProgressError,
      result,
      version: version?.entry,
      consent: consent?.entry,
      accessIndexes,
      replayAfter: (await grant()).entry,
      again: await repair(),
    }).toEqual({
      replayBefore: true,
      result: { repaired: 4, unresolved: 0 }, // the record version, the read's access row, the consent, the claim
      version: created.entry,
      consent: granted.entry,
      accessIndexes: [read.entry.index],
      replayAfter: granted.entry,
      again: { repaired: 0, unresolved: 0 },
    });
  });

  it('leaves rows whose entries lie beyond the scanned tail for a later run', async () => {
    // Prepare
    const created = await makeCreateRecord(deps)({ actor: fixture.practitioner, patientId: patient.patientId, resource: observation() });
    const granted = await grant();
    await forgetIndexes({ recordId: created.recordId, consentId: granted.consentId });

    // Act: the grant's entry is the last one, the record's the one before
    const shallow = await repair({ maxScan: 1 });
    const deep = await repair();

    // Assess
    expect([shallow, deep]).toEqual([
      { repaired: 2, unresolved: 1 }, // the grant's consent and claim; not the record version
      { repaired: 1, unresolved: 0 },
    ]);
  });
});
