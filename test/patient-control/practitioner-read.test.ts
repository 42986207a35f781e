/**
 * The price of the consent policy (issue #5, acceptance 5): what a practitioner's read asks of the
 * database before the decision. Over 1,000 consents of a patient it fetches only the reader's
 * consents in force, through the consents_in_force index, and in as many round trips as the
 * patient's own read. (The milliseconds are the API benchmark's job: npm run bench:api.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqlExecutor } from '../../shared/adapters/sql/executor.ts';
import { createSqlPatientControl, PRACTITIONER_READ_QUERY } from '../../shared/adapters/sql/patient-control.ts';
import { createSqlRecordsProjection } from '../../shared/adapters/sql/records-projection.ts';
import type { Actor } from '../../shared/access/actor.ts';
import { makeGrantConsent } from '../../shared/consent/grant-consent.ts';
import { makeRevokeConsent } from '../../shared/consent/revoke-consent.ts';
import { makeCreateRecord } from '../../shared/records/create-record.ts';
import { makeReadRecord } from '../../shared/records/read-record.ts';
import type { RecordsDeps } from '../../shared/records/records-deps.ts';
import { observation, openRecordsFixture, type RecordsFixture } from '../records-api/support/records-fixture.ts';

const T0 = Date.parse('2026-03-01T09:00:00.000Z');
const practitioner: Actor = { id: 'dr-a', role: 'practitioner' };

/** An executor that counts the statements run through it. */
function countingExecutor(executor: SqlExecutor): SqlExecutor & { statements: number } {
  const counting = {
    statements: 0,
    withSession: <T>(work: Parameters<SqlExecutor['withSession']>[0]) =>
      executor.withSession((session) =>
        work({
          query: (statement, values) => {
            counting.statements++;
            return session.query(statement, values);
          },
          script: (text) => session.script(text),
        }),
      ) as Promise<T>,
    close: () => executor.close(),
  };
  return counting;
}

describe("a practitioner's read over 1,000 consents of the patient", () => {
  let fixture: RecordsFixture;
  let deps: RecordsDeps & { control: NonNullable<RecordsDeps['control']> };
  let counting: SqlExecutor & { statements: number };
  let now: number;
  let patient: Actor & { patientId: string };
  let recordId: string;

  beforeEach(async () => {
    fixture = await openRecordsFixture();
    now = T0;
    counting = countingExecutor(fixture.database.executor);
    const journal = fixture.database.journal;
    deps = {
      ...fixture.deps,
      projection: createSqlRecordsProjection({ journal, executor: counting }),
      control: createSqlPatientControl({ journal, executor: counting }),
      clock: () => new Date(now),
    };
    patient = (await fixture.registerPatient()) as Actor & { patientId: string };
    recordId = (await makeCreateRecord(deps)({ actor: patient, patientId: patient.patientId, resource: observation(), category: 'lab' })).recordId;
    // dr-a: one consent in force, one expired at T0 + 1 s, one revoked; 997 other grantees (what 1,000 grants leave behind).
    const grant = makeGrantConsent(deps);
    await grant({ actor: patient, patientId: patient.patientId, grantee: 'dr-a', scope: { categories: ['lab'] } });
    await grant({ actor: patient, patientId: patient.patientId, grantee: 'dr-a', scope: { all: true }, expiresAt: new Date(T0 + 1_000).toISOString() });
    const revoked = await grant({ actor: patient, patientId: patient.patientId, grantee: 'dr-a', scope: { all: true } });
    await makeRevokeConsent(deps)({ actor: patient, patientId: patient.patientId, consentId: revoked.consentId });
    await fixture.database.executor.withSession(async (session) => {
      await session.query(
        `INSERT INTO chartproof.consents (patient_id, consent_id, grantee, scope, granted_at, leaf_hash)
         SELECT $1::uuid, gen_random_uuid(), 'dr-' || n, '{"all":true}'::jsonb, $2::timestamptz, sha256(n::text::bytea)
         FROM generate_series(1, 997) AS n`,
        [patient.patientId, new Date(T0).toISOString()],
      );
      await session.query('ANALYZE chartproof.consents');
    });
    now = T0 + 2_000; // past the expiring consent's expiry
  });

  afterEach(async () => {
    await fixture.close();
  });

  it("fetches only the reader's consents in force: not the expired, the revoked or other grantees' ones", async () => {
    const context = await deps.control.practitionerRead({
      patientId: patient.patientId,
      grantee: 'dr-a',
      at: new Date(now).toISOString(),
      breakGlassSince: new Date(now - 60_000).toISOString(),
      record: { recordId },
    });

    expect({
      consents: context.consents.map((consent) => ({ grantee: consent.grantee, scope: consent.scope, expiresAt: consent.expiresAt })),
      breakGlass: context.breakGlass,
      record: context.found?.row?.recordId,
      category: context.found?.row?.category,
      patient: context.found?.patient?.patientId,
    }).toEqual({
      consents: [{ grantee: 'dr-a', scope: { categories: ['lab'] }, expiresAt: undefined }],
      breakGlass: undefined,
      record: recordId,
      category: 'lab',
      patient: patient.patientId,
    });
  });

  it('reads the consents through the consents_in_force index, never a scan of the table', async () => {
    const values = [patient.patientId, 'dr-a', new Date(now).toISOString(), new Date(now - 60_000).toISOString(), recordId, null];

    const plan = await fixture.database.executor.withSession((session) => session.query(`EXPLAIN ${PRACTITIONER_READ_QUERY.text}`, values));

    const planText = plan.map((row) => String(Object.values(row)[0])).join('\n');
    expect({ usesIndex: planText.includes('consents_in_force'), scansConsents: /Seq Scan on consents/.test(planText) }).toEqual({
      usesIndex: true,
      scansConsents: false,
    });
  });

  it("costs as many statements as the patient's own read, of the same record", async () => {
    const read = makeReadRecord(deps);
    await read({ actor: patient, patientId: patient.patientId, recordId }); // warm the key cache for both
    const statementsOf = async (actor: Actor) => {
      const before = counting.statements;
      await read({ actor, patientId: patient.patientId, recordId });
      return counting.statements - before;
    };

    const own = await statementsOf(patient);
    const consented = await statementsOf(practitioner);

    expect(consented).toBe(own);
  });
});
