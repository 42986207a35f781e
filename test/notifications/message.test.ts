import { describe, expect, it } from 'vitest';
import { composeMessage } from '../../shared/notifications/message.ts';
import { anEvent } from '../events/fixtures.ts';

const config = { accessLogBaseUrl: 'https://app.example.org/chartproof', displayNames: { 'dr-who': 'Dr. J. Smith (Cardiology)' } };

describe('alert message', () => {
  it('says who, what kind and when, with a link to the access log', () => {
    const event = anEvent({ type: 'record.read', at: '2026-11-25T01:00:00.000Z', patientId: 'patient-a', actor: { id: 'dr-who', role: 'practitioner' } });

    const message = composeMessage({ event, coalescedBefore: 0, config });

    expect(message).toEqual({
      id: event.id,
      kind: 'record.read',
      at: event.at,
      subject: 'Chartproof: Your health record was read',
      text: 'Chartproof: Dr. J. Smith (Cardiology) read one of your health records at 2026-11-25 01:00:00 UTC. Access log: https://app.example.org/chartproof/v1/patients/patient-a/access-log?since=2026-11-25T01%3A00%3A00.000Z',
      link: 'https://app.example.org/chartproof/v1/patients/patient-a/access-log?since=2026-11-25T01%3A00%3A00.000Z',
    });
  });

  it('names an actor without a configured display name by role and id', () => {
    const event = anEvent({ type: 'access.break-glass', actor: { id: 'dr-unknown', role: 'practitioner' } });

    const { text } = composeMessage({ event, coalescedBefore: 0, config });

    expect(text).toMatch(/^Chartproof: practitioner dr-unknown used emergency \(break-glass\) access/);
  });

  it('mentions how many earlier alerts were combined', () => {
    const { text } = composeMessage({ event: anEvent(), coalescedBefore: 3, config });

    expect(text).toContain('3 similar earlier alerts were combined.');
  });

  it('carries no record ids or journal data, and fits two SMS segments', () => {
    const event = anEvent({ recordIds: ['record-secret-1'] });

    const { text } = composeMessage({ event, coalescedBefore: 12, config });

    expect({ hasRecordId: text.includes('record-secret-1'), hasLeafHash: text.includes(event.receipt.leafHash), short: text.length <= 306 }).toEqual({
      hasRecordId: false,
      hasLeafHash: false,
      short: true,
    });
  });
});
