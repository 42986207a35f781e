import { createHash, randomUUID } from 'node:crypto';
import type { DomainEvent } from '../../shared/events/domain-event.ts';

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
