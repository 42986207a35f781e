/**
 * The ledger routes' use cases: entries with inclusion proofs for auditors and for the patient an
 * entry concerns (every refusal journaled, none telling a patient whose an entry is), consistency
 * proofs, and the checkpoint and key, all verifiable offline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../shared/access/actor.ts';
import { makeReadCheckpoint, makeReadVerifierKey } from '../../shared/audit/read-checkpoint.ts';
import { makeReadConsistencyProof } from '../../shared/audit/read-consistency-proof.ts';
import { createSqlPatientControl } from '../../shared/adapters/sql/patient-control.ts';
import { makeReadAccessLog } from '../../shared/audit/read-access-log.ts';
import { makeReadEntryProof } from '../../shared/audit/read-entry-proof.ts';
import { ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from '../../shared/errors.ts';
import { verifyBundle } from '../../shared/ledger/verify-bundle.ts';
import { eventFromEntry } from '../../shared/events/event-from-entry.ts';
import { makeCreateRecord } from '../../shared/records/create-record.ts';
import type { RecordsDeps } from '../../shared/records/records-deps.ts';
import { observation, openRecordsFixture, type RecordsFixture } from './support/records-fixture.ts';

let fixture: RecordsFixture;
let patient: Actor & { patientId: string };
let otherPatient: Actor & { patientId: string };
let recordEntryIndex: number;
let denials: RecordsDeps & { control: NonNullable<RecordsDeps['control']> };

const readEntryProof = () => makeReadEntryProof({ journal: fixture.database.journal, sleep: async () => undefined, checkpointWaitMs: 0, denials });
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

beforeAll(async () => {
  // Sign whenever asked, so that every entry can be covered at once.
  fixture = await openRecordsFixture({ checkpointPolicy: { minInterval: 0, maxInterval: 0 } });
  const control = createSqlPatientControl({ journal: fixture.database.journal, executor: fixture.database.executor });
  denials = { ...fixture.deps, control };
  patient = (await fixture.registerPatient()) as Actor & { patientId: string };
  otherPatient = (await fixture.registerPatient()) as Actor & { patientId: string };
  const created = await makeCreateRecord(fixture.deps)({ actor: fixture.practitioner, patientId: patient.patientId, resource: observation() });
  recordEntryIndex = created.entry.index;
});

afterAll(async () => {
  await fixture?.close();
});

describe('an entry with its inclusion proof', () => {
  it('verifies for an auditor against the signed checkpoint and the verifier key', async () => {
    const proven = await readEntryProof()({ actor: fixture.auditor, index: recordEntryIndex });

    const verdict = verifyBundle({ vkey: fixture.signer.vkey, checkpoint: proven.checkpoint, entry: proven });

    expect(verdict).toMatchObject({ ok: true });
  });

  it('is served to the patient the entry concerns', async () => {
    const proven = await readEntryProof()({ actor: patient, index: recordEntryIndex });

    expect(JSON.parse(proven.entry)).toMatchObject({ type: 'record.created', patient: patient.patientId });
  });

  it('looks to another patient exactly like an index beyond the journal: 404', async () => {
    const size = await fixture.journalSize();

    const other = await readEntryProof()({ actor: otherPatient, index: recordEntryIndex }).catch((error: unknown) => error);
    const beyond = await readEntryProof()({ actor: otherPatient, index: size + 10 }).catch((error: unknown) => error);

    expect([other, beyond].map((error) => [error instanceof NotFoundError, (error as Error).message.replace(/\d+/, 'N')])).toEqual([
      [true, 'entry N not found'],
      [true, 'entry N not found'],
    ]);
  });

  it.each([
    ['a practitioner', () => fixture.practitioner],
    ['an admin', () => fixture.admin],
  ])('is refused to %s, the refusal journaled as concerning the patient the entry names, and alerted', async (_name, actorOf) => {
    const refused = (await failure(readEntryProof()({ actor: actorOf(), index: recordEntryIndex }))) as ForbiddenError;

    const entry = await fixture.journalEntry(refused.receipt?.index ?? -1);
    const event = await eventOf(refused.receipt?.index ?? -1);
    expect({
      refused: refused instanceof ForbiddenError,
      entry: { type: entry.type, actor: entry.actor.id, patient: entry.patient, action: (entry as { action?: string }).action, reason: (entry as { reason?: string }).reason },
      alert: { kind: event.type, patientId: event.patientId },
    }).toEqual({
      refused: true,
      entry: { type: 'access.denied', actor: actorOf().id, patient: patient.patientId, action: 'ledger.entry.read', reason: 'role-not-permitted' },
      alert: { kind: 'access.denied', patientId: patient.patientId },
    });
  });

  it("is refused to a practitioner beyond the journal too, the refusal naming no patient's id", async () => {
    const size = await fixture.journalSize();

    const refused = (await failure(readEntryProof()({ actor: fixture.practitioner, index: size + 10 }))) as ForbiddenError;

    const entry = await fixture.journalEntry(refused.receipt?.index ?? -1);
    expect({ refused: refused instanceof ForbiddenError, type: entry.type, patient: [patient.patientId, otherPatient.patientId].includes(entry.patient) }).toEqual({
      refused: true,
      type: 'access.denied',
      patient: false,
    });
  });

  it("journals another patient's attempt in the access log of the patient the entry concerns, and tells the requester nothing", async () => {
    const sizeBefore = await fixture.journalSize();

    const refused = await failure(readEntryProof()({ actor: otherPatient, index: recordEntryIndex }));

    const log = await makeReadAccessLog(denials)({ actor: patient, patientId: patient.patientId, limit: 100 });
    const denial = log.items.filter((item) => item.actor.id === otherPatient.id && item.action === 'ledger.entry.read').at(-1);
    expect({
      notFound: refused instanceof NotFoundError,
      receipt: (refused as NotFoundError).receipt,
      denial: denial === undefined ? undefined : { outcome: denial.outcome, reason: denial.reason, journaled: denial.entry.index >= sizeBefore },
      alerted: denial === undefined ? undefined : (await eventOf(denial.entry.index)).patientId,
    }).toEqual({
      notFound: true,
      receipt: undefined,
      denial: { outcome: 'deny', reason: 'not-own-records', journaled: true },
      alerted: patient.patientId,
    });
  });

  it('journals nothing for a patient asking beyond the journal, nor for bad input', async () => {
    const size = await fixture.journalSize();

    const outcomes = [
      await failure(readEntryProof()({ actor: otherPatient, index: size + 10 })),
      await failure(readEntryProof()({ actor: fixture.practitioner, index: -1 })),
      await failure(readEntryProof()({ actor: fixture.admin, index: 0, treeSize: 0 })),
    ];

    expect({ kinds: outcomes.map((error) => (error as Error).name), journalGrew: (await fixture.journalSize()) - size }).toEqual({
      kinds: ['NotFoundError', 'ValidationError', 'ValidationError'],
      journalGrew: 0,
    });
  });

  it('needs an actor', async () => {
    const attempt = readEntryProof()({ actor: undefined, index: recordEntryIndex });

    await expect(attempt).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('is proven against an explicit tree size when asked', async () => {
    const treeSize = recordEntryIndex + 1;

    const proven = await readEntryProof()({ actor: fixture.auditor, index: recordEntryIndex, treeSize });

    expect(proven.treeSize).toBe(treeSize);
  });

  it('refuses a tree size beyond the journal', async () => {
    const attempt = readEntryProof()({ actor: fixture.auditor, index: 0, treeSize: (await fixture.journalSize()) + 1 });

    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('a consistency proof', () => {
  it('proves that the newer checkpoint extends the older one', async () => {
    const readCheckpoint = makeReadCheckpoint({ journal: fixture.database.journal });
    const older = await fixture.database.journal.checkpoint({ covering: await fixture.journalSize() });
    await makeCreateRecord(fixture.deps)({ actor: fixture.practitioner, patientId: patient.patientId, resource: observation() });
    const newer = await fixture.database.journal.checkpoint({ covering: await fixture.journalSize() });

    const proof = await makeReadConsistencyProof({ journal: fixture.database.journal })({ from: older?.size ?? 0, to: newer?.size });

    const verdict = verifyBundle({ vkey: fixture.signer.vkey, checkpoint: await readCheckpoint(), consistency: { oldCheckpoint: older?.note ?? '', proof } });
    expect(verdict).toMatchObject({ ok: true });
  });

  it('refuses from > to', async () => {
    const attempt = makeReadConsistencyProof({ journal: fixture.database.journal })({ from: 3, to: 2 });

    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses a size beyond the journal', async () => {
    const attempt = makeReadConsistencyProof({ journal: fixture.database.journal })({ from: 1, to: (await fixture.journalSize()) + 1 });

    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('the verifier key', () => {
  it("is the signer's vkey, as a line", async () => {
    const key = await makeReadVerifierKey({ vkey: fixture.signer.vkey })();

    expect(key).toBe(`${fixture.signer.vkey}\n`);
  });
});

/** The domain event the outbox publishes for the entry at `index`: what alerts the patient. */
async function eventOf(index: number) {
  return eventFromEntry(index, (await fixture.database.journal.entry(index)).entry);
}
