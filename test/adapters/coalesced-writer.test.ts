import { describe, expect, it } from 'vitest';
import { CoalescedWriter } from '../../shared/adapters/sql/coalesced-writer.ts';
import { createSqlPatientControl } from '../../shared/adapters/sql/patient-control.ts';
import { entryBytes } from '../../shared/ledger/entry.ts';
import { openRecordsFixture } from '../records-api/support/records-fixture.ts';

/** A batch writer whose batches the test releases by hand. */
function gatedWriter(): { writer: CoalescedWriter<number>; batches: number[][]; release: () => void; fail: (error: Error) => void } {
  const batches: number[][] = [];
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const writer = new CoalescedWriter<number>((items) => {
    batches.push([...items]);
    return new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  });
  return { writer, batches, release: () => settle?.resolve(), fail: (error) => settle?.reject(error) };
}

describe('CoalescedWriter', () => {
  it('writes what arrives while a batch is in flight as one next batch', async () => {
    const { writer, batches, release } = gatedWriter();
    const first = writer.write([1]);
    const later = [writer.write([2]), writer.write([3, 4]), writer.write([5])];

    release();
    await first;
    release();
    await Promise.all(later);

    expect(batches).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('rejects every caller of a failed batch with its error, and writes the next batch anyway', async () => {
    const { writer, batches, release, fail } = gatedWriter();
    const first = writer.write([1]);
    const second = writer.write([2]);
    fail(new Error('connection lost'));
    const outcome = await first.then(() => 'written', (error: Error) => error.message);

    release();
    await second;

    expect([outcome, batches]).toEqual(['connection lost', [[1], [2]]]);
  });
});

describe('SQL patient control: access indexes of concurrent reads', () => {
  it('records the journal index of every one of 32 concurrent accesses', async () => {
    const fixture = await openRecordsFixture();
    try {
      const control = createSqlPatientControl({ journal: fixture.database.journal, executor: fixture.database.executor });
      const patient = await fixture.registerPatient();
      const patientId = patient.patientId ?? '';
      const access = (n: number) => {
        const at = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
        const entry = entryBytes({ v: 1, type: 'record.read', at, actor: { id: patient.id, role: 'patient' }, patient: patientId, record: { id: crypto.randomUUID(), version: 1, sha256: 'A'.repeat(43) + '=' } });
        return control.journalAccess(entry, { patientId, at, actor: { id: patient.id, role: 'patient' }, action: 'record.read', outcome: 'permit', recordIds: [] });
      };

      const receipts = await Promise.all(Array.from({ length: 32 }, (_, n) => access(n)));

      const log = await control.accessLog({ patientId, limit: 100 });
      expect([await control.accessRowsMissingIndexes(100), log.map((row) => row.entry.index).sort((a, b) => (a ?? 0) - (b ?? 0))]).toEqual([
        [],
        receipts.map((receipt) => receipt.index).sort((a, b) => a - b),
      ]);
    } finally {
      await fixture.close();
    }
  });
});
