import { createHash, randomUUID } from 'node:crypto';
import type { DomainEvent } from '../../shared/events/domain-event.ts';
import { entryBytes } from '../../shared/ledger/entry.ts';

/** A schema-valid event; `overrides` replace fields. */
export function anEvent(overrides: Partial<DomainEvent> = {}): DomainEvent {
  return {
    v: 1,
    id: randomUUID(),
    type: 'record.read',
    at: '2026-11-25T01:00:00.000Z',
    patientId: 'patient-a',
    actor: { id: 'dr-who', role: 'practitioner' },
    receipt: { index: 7, leafHash: createHash('sha256').update('entry 7').digest('base64') },
    recordIds: ['record-1'],
    ...overrides,
  };
}

let sequence = 0;
/** A distinct record.read entry. */
export function readEntry(patient = 'patient-outbox'): Uint8Array {
  sequence += 1;
  return entryBytes({
    v: 1,
    type: 'record.read',
    at: new Date(Date.UTC(2026, 10, 25, 3, 0, 0, sequence)).toISOString(),
    actor: { id: 'dr-outbox', role: 'practitioner' },
    patient,
    record: { id: `record-${sequence}`, version: 1, sha256: Buffer.alloc(32, sequence % 256).toString('base64') },
  });
}
