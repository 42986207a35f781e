import { describe, expect, it } from 'vitest';
import type { Actor } from '../../shared/access/actor.ts';
import type { ConsentTerms } from '../../shared/consent/consent.ts';
import { decideAccess, type AccessRequest } from '../../shared/consent/decide-access.ts';

const PATIENT_ID = '11111111-1111-4111-8111-111111111111';
const RECORD_ID = '22222222-2222-4222-8222-222222222222';
const practitioner: Actor = { id: 'dr-a', role: 'practitioner' };
const NOON = new Date('2026-01-01T12:00:00.000Z');

function consent(terms: Partial<ConsentTerms> = {}): ConsentTerms {
  return { consentId: 'c1', grantee: 'dr-a', scope: { categories: ['lab'] }, ...terms };
}

function read(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    actor: practitioner,
    action: 'record.read',
    patientId: PATIENT_ID,
    record: { id: RECORD_ID, category: 'lab' },
    consents: [consent()],
    at: NOON,
    breakGlass: { requested: false, windowOpen: false },
    ...overrides,
  };
}

describe('decideAccess', () => {
  it.each([
    ['a patient on their own records', { actor: { id: 'p', role: 'patient', patientId: PATIENT_ID } } as const, 'permit'],
    ['a patient on another patient', { actor: { id: 'p', role: 'patient', patientId: RECORD_ID } } as const, 'deny'],
    ['an auditor', { actor: { id: 'a', role: 'auditor' } } as const, 'deny'],
    ['an admin', { actor: { id: 'a', role: 'admin' } } as const, 'deny'],
    ['a practitioner under a covering category', {}, 'permit'],
    ['a practitioner on an uncovered category', { record: { id: RECORD_ID, category: 'imaging' } }, 'deny'],
    ['a practitioner on a record without category', { record: { id: RECORD_ID } }, 'deny'],
    ['a practitioner with a listed record id', { consents: [consent({ scope: { recordIds: [RECORD_ID] } })], record: { id: RECORD_ID } }, 'permit'],
    ['a practitioner with all records', { consents: [consent({ scope: { all: true } })], record: { id: RECORD_ID } }, 'permit'],
    ["another practitioner's consent", { consents: [consent({ grantee: 'dr-b' })] }, 'deny'],
    ['a revoked consent', { consents: [consent({ revokedAt: '2026-01-01T11:00:00.000Z' })] }, 'deny'],
    ['a practitioner with no consent', { consents: [] }, 'deny'],
    ['a break-glass request', { consents: [], breakGlass: { requested: true, windowOpen: false } }, 'break-glass'],
    ['an open break-glass window', { consents: [], breakGlass: { requested: false, windowOpen: true } }, 'break-glass'],
  ] as const)('%s: %s', (_name, overrides, outcome) => {
    // Act
    const decision = decideAccess(read(overrides as Partial<AccessRequest>));

    // Assess
    expect(decision.outcome).toBe(outcome);
  });

  it('permits until the second before expiry and denies from the expiry on', () => {
    // Prepare
    const expiring = [consent({ expiresAt: '2026-01-01T12:00:01.000Z' })];

    // Act
    const before = decideAccess(read({ consents: expiring, at: new Date('2026-01-01T12:00:00.999Z') }));
    const at = decideAccess(read({ consents: expiring, at: new Date('2026-01-01T12:00:01.000Z') }));

    // Assess
    expect([before.outcome, at.outcome]).toEqual(['permit', 'deny']);
  });

  it('refuses a break-glass request for a listing', () => {
    // Act
    const decision = decideAccess(read({ action: 'record.list', consents: [], breakGlass: { requested: true, windowOpen: false } }));

    // Assess
    expect(decision).toEqual({ permit: false, outcome: 'deny', reason: 'no-consent' });
  });

  it("gives a practitioner's listing the union of their consents' coverage", () => {
    // Prepare
    const consents = [consent(), consent({ consentId: 'c2', scope: { recordIds: [RECORD_ID] } })];

    // Act
    const decision = decideAccess(read({ action: 'record.list', consents }));

    // Assess
    expect(decision.outcome === 'permit' && decision.coverage).toEqual({ all: false, categories: new Set(['lab']), recordIds: new Set([RECORD_ID]) });
  });

  it('lets practitioners write without consent', () => {
    // Act
    const decision = decideAccess({ actor: practitioner, action: 'record.create', patientId: PATIENT_ID });

    // Assess
    expect(decision.permit).toBe(true);
  });
});
