/**
 * Patient control's use cases over the embedded adapters (PGlite, files, local keys) with an
 * injected clock: consent expiry to the second, erasure by crypto-shredding, and the access log's
 * plan at 100,000 accesses (an index range read; the timing is in the API benchmark).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCESS_LOG_QUERY, createSqlPatientControl } from '../../shared/adapters/sql/patient-control.ts';
import { auditJournal, checkJournalEntryFormat } from '../../shared/adapters/sql/audit.ts';
import type { Actor } from '../../shared/access/actor.ts';
import { makeReadAccessLog } from '../../shared/audit/read-access-log.ts';
import { makeGrantConsent } from '../../shared/consent/grant-consent.ts';
import { ForbiddenError, GoneError } from '../../shared/errors.ts';
import { verifierFromVkey } from '../../shared/ledger/vkey.ts';
import { makeErasePatient } from '../../shared/patients/erase-patient.ts';
import { makeCreateRecord } from '../../shared/records/create-record.ts';
import type { PatientKeyCache } from '../../shared/records/patient-key-cache.ts';
import { makeReadRecord } from '../../shared/records/read-record.ts';
import type { RecordsDeps } from '../../shared/records/records-deps.ts';
import { observation, openRecordsFixture, type RecordsFixture } from '../records-api/support/records-fixture.ts';

const T0 = Date.parse('2026-03-01T09:00:00.000Z');

describe('patient control on PGlite, with an injected clock', () => {
  let fixture: RecordsFixture;
  let deps: RecordsDeps & { control: NonNullable<RecordsDeps['control']> };
  let now: number;
  let patient: Actor;
  let recordId: string;
  const practitioner: Actor = { id: 'dr-a', role: 'practitioner' };

  beforeEach(async () => {
    fixture = await openRecordsFixture();
    now = T0;
    const control = createSqlPatientControl({ journal: fixture.database.journal, executor: fixture.database.executor });
    deps = { ...fixture.deps, control, clock: () => new Date(now) };
    patient = await fixture.registerPatient();
    recordId = (await makeCreateRecord(deps)({ actor: patient, patientId: patient.patientId ?? '', resource: observation(), category: 'lab' })).recordId;
  });

  afterEach(async () => {
    await fixture.close();
  });

  const patientId = () => patient.patientId ?? '';
  const read = (actor: Actor, extra: { breakGlassReason?: string } = {}) => makeReadRecord(deps)({ actor, patientId: patientId(), recordId, ...extra });
  const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

  it('permits a read up to the last millisecond before expiry and denies it from the expiry on', async () => {
    // Prepare
    await makeGrantConsent(deps)({ actor: patient, patientId: patientId(), grantee: 'dr-a', scope: { categories: ['lab'] }, expiresAt: new Date(T0 + 10_000).toISOString() });

    // Act
    now = T0 + 9_999;
    const before = await read(practitioner);
    now = T0 + 10_000;
    const after = await failure(read(practitioner));

    // Assess
    expect([before.recordId, after instanceof ForbiddenError]).toEqual([recordId, true]);
  });

  it('journals a denial by expiry as access.denied, whose event alerts the patient at once', async () => {
    // Prepare
    await makeGrantConsent(deps)({ actor: patient, patientId: patientId(), grantee: 'dr-a', scope: { all: true }, expiresAt: new Date(T0 + 1_000).toISOString() });
    now = T0 + 1_000;

    // Act
    const denied = (await failure(read(practitioner))) as ForbiddenError;

    // Assess
    const entry = await fixture.journalEntry(denied.receipt?.index ?? -1);
    expect([entry.type, entry.actor.id]).toEqual(['access.denied', 'dr-a']);
  });

  it('closes a break-glass window when its time is up', async () => {
    // Prepare
    await read(practitioner, { breakGlassReason: 'unconscious patient' });
    deps = { ...deps, breakGlassWindowMs: 60_000 };

    // Act
    now = T0 + 59_999;
    const within = await read(practitioner);
    now = T0 + 60_000;
    const after = await failure(read(practitioner));

    // Assess
    expect([within.recordId, after instanceof ForbiddenError]).toEqual([recordId, true]);
  });

  it('journals break-glass with only the hash of the reason, which the access log shows', async () => {
    // Act
    const broken = await read(practitioner, { breakGlassReason: 'unconscious patient' });

    // Assess
    const entry = await fixture.journalEntry(broken.entry.index);
    const log = await makeReadAccessLog(deps)({ actor: patient, patientId: patientId() });
    expect([entry.type, JSON.stringify(entry).includes('unconscious'), log.items.at(-1)?.reason]).toEqual(['access.break-glass', false, 'unconscious patient']);
  });

  it('erases by crypto-shredding: reads answer 410, ciphertexts stay, the key is gone, the journal audits clean, the log reads', async () => {
    // Prepare
    await read(practitioner, { breakGlassReason: 'unconscious patient' });
    const objectsBefore = await fixture.storedObjects();

    // Act
    await makeErasePatient(deps)({ actor: patient, patientId: patientId() });

    // Assess
    const reread = await failure(read(patient));
    const stored = await fixture.database.executor.withSession((session) => session.query('SELECT wrapped_key, erased_at FROM chartproof.patients WHERE patient_id = $1', [patientId()]));
    const audit = await auditJournal(fixture.database.executor, { verifier: verifierFromVkey(fixture.signer.vkey), checkEntry: checkJournalEntryFormat });
    const log = await makeReadAccessLog(deps)({ actor: patient, patientId: patientId() });
    expect({
      reread: reread instanceof GoneError,
      objects: await fixture.storedObjects(),
      wrappedKey: stored[0]?.wrapped_key,
      cachedKeys: (deps.keys as PatientKeyCache).size,
      auditProblem: audit.problem,
      breakGlassReasons: log.items.filter((item) => item.outcome === 'break-glass').map((item) => item.reason),
    }).toEqual({ reread: true, objects: objectsBefore, wrappedKey: null, cachedKeys: 0, auditProblem: undefined, breakGlassReasons: [undefined] });
  });

  it('pages an access log of 100,000 accesses through the per-patient index, never a scan', async () => {
    // Prepare: bulk-load the index (what 100,000 journaled accesses leave behind).
    await fixture.database.executor.withSession((session) =>
      session.query(
        `INSERT INTO chartproof.access_index (patient_id, at, actor_id, actor_role, action, outcome, record_ids, leaf_hash, journal_index)
         SELECT $1::uuid, $2::timestamptz + n * interval '1 second', 'dr-a', 'practitioner', 'record.read', 'permit', ARRAY[$3::text],
                sha256(n::text::bytea), 1000000 + n
         FROM generate_series(1, 100000) AS n`,
        [patientId(), new Date(T0).toISOString(), recordId],
      ),
    );
    await fixture.database.executor.withSession((session) => session.query('ANALYZE chartproof.access_index'));
    const readLog = makeReadAccessLog(deps);
    now = T0 + 200_000_000;
    const since = new Date(T0 + 50_000_000).toISOString();

    // Act: the first page, then pages from the middle on, following the cursor; and the plan of a middle page.
    // (Speed is a benchmark's job, not a unit test's: what this test pins is that a page is an index range read.)
    const pages: { count: number; ordered: boolean }[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 4; page++) {
      const result = await readLog({ actor: patient, patientId: patientId(), limit: 100, cursor, since: page === 0 ? undefined : since });
      const times = result.items.map((item) => Date.parse(item.at));
      pages.push({ count: result.items.length, ordered: times.every((time, i) => i === 0 || time >= (times[i - 1] ?? 0)) });
      cursor = page === 0 ? undefined : result.next;
    }
    const plan = await fixture.database.executor.withSession((session) =>
      session.query(`EXPLAIN ${ACCESS_LOG_QUERY.text}`, [patientId(), since, null, since, 1, 100]),
    );
    const planText = plan.map((row) => String(Object.values(row)[0])).join('\n');

    // Assess
    expect({
      pages,
      usesPatientIndex: planText.includes('access_index_by_patient'),
      scansTable: /Seq Scan on access_index/.test(planText),
    }).toEqual({
      pages: Array.from({ length: 4 }, () => ({ count: 100, ordered: true })),
      usesPatientIndex: true,
      scansTable: false,
    });
  });
});
