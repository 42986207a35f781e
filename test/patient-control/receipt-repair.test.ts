/**
 * Receipts a crash left without their journal index (a write committed, then the process died
 * before recording the index): repairReceipts finds each entry by its leaf hash and completes every
 * kind of row, after which an Idempotency-Key replay answers with the first response's receipt
 * instead of 409 "in progress". On PGlite; the statements are the same on PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../shared/access/actor.ts';
import { createSqlPatientControl } from '../../shared/adapters/sql/patient-control.ts';
import { REPAIR_GRACE_MS, repairReceipts, type RepairOptions } from '../../shared/audit/repair-receipts.ts';
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
  /** A repair that takes rows on at once (no grace period) unless told otherwise. */
  const repair = (options: RepairOptions = {}) => repairReceipts({ ...deps, journal: fixture.database.journal }, { graceMs: 0, ...options });
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

  it('leaves rows younger than the grace period to their own requests', async () => {
    // Prepare
    const created = await makeCreateRecord(deps)({ actor: fixture.practitioner, patientId: patient.patientId, resource: observation() });
    const granted = await grant();
    await forgetIndexes({ recordId: created.recordId, consentId: granted.consentId });

    // Act
    const early = await repair({ graceMs: REPAIR_GRACE_MS });
    const later = await repair({ graceMs: REPAIR_GRACE_MS, now: () => Date.now() + REPAIR_GRACE_MS + 1_000 });

    // Assess: the record version, the consent and the claim
    expect([early, later]).toEqual([
      { repaired: 0, unresolved: 0 },
      { repaired: 3, unresolved: 0 },
    ]);
  });

  it('searches the journal from the last checkpoint signed before the row, and finds entries integrated after it', async () => {
    // Prepare: a checkpoint signed now; then, ten minutes on by the writers' clock, a record version and many more entries
    await fixture.database.journal.append(Array.from({ length: 40 }, (_, n) => new TextEncoder().encode(`{"filler":${n}}`)));
    const signed = await fixture.database.journal.checkpoint();
    const later = { ...deps, clock: () => new Date(Date.now() + 10 * 60_000) };
    const created = await makeCreateRecord(later)({ actor: fixture.practitioner, patientId: patient.patientId, resource: observation() });
    await fixture.database.journal.append(Array.from({ length: 40 }, (_, n) => new TextEncoder().encode(`{"filler":${n + 40}}`)));
    await fixture.database.executor.withSession((session) => session.query('UPDATE chartproof.records SET journal_index = NULL WHERE record_id = $1::uuid', [created.recordId]));

    // Act
    const result = await repair({ now: () => Date.now() + 10 * 60_000 });

    // Assess
    const version = await deps.projection.recordVersion({ patientId: patient.patientId, recordId: created.recordId, version: 1 });
    expect({ signed: (signed?.size ?? 0) <= created.entry.index, result, entry: version?.entry }).toEqual({ signed: true, result: { repaired: 1, unresolved: 0 }, entry: created.entry });
  });
});
