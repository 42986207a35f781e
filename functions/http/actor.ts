/**
 * The actor of a request, from the claims API Gateway's Cognito authorizer passes in
 * `event.requestContext.authorizer.claims` (ARCHITECTURE.md D3; API.md "Requests").
 *
 * That authorizer hands every claim over as a string: `cognito:groups` (a JSON array in the token)
 * arrives as its members joined by commas ("patient", or "admin,beta-testers"). Arrays are accepted
 * as well, for events built by hand. Groups that are not roles are ignored; exactly one role must
 * remain. Identifiers must fit the journal's identifier form (shared/ledger/entry.ts), because the
 * actor id is journaled with every access.
 */
import { UnauthenticatedError } from '../../shared/errors.ts';

export const ROLES = ['patient', 'practitioner', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type PatientActor = { id: string; role: 'patient'; patientId: string };
export type StaffActor = { id: string; role: Exclude<Role, 'patient'> };
export type Actor = PatientActor | StaffActor;

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Reads the actor from authorizer claims; throws UnauthenticatedError saying what is missing or wrong. */
export function actorFromClaims(claims: unknown): Actor {
  if (typeof claims !== 'object' || claims === null) throw new UnauthenticatedError('the request carries no verified token claims');
  const record = claims as Record<string, unknown>;
  const id = record.sub;
  if (typeof id !== 'string' || !IDENTIFIER.test(id)) {
    throw new UnauthenticatedError('the token has no usable sub claim (1-64 of A-Z a-z 0-9 . _ : -)');
  }
  const roles = [...new Set(groupsOf(record['cognito:groups']))].filter((group): group is Role => (ROLES as readonly string[]).includes(group));
  const [role] = roles;
  if (roles.length !== 1 || role === undefined) {
    throw new UnauthenticatedError(`cognito:groups must contain exactly one of ${ROLES.join(', ')}; found ${roles.length}`);
  }
  if (role !== 'patient') return { id, role };
  const patientId = record['custom:patient_id'];
  if (typeof patientId !== 'string' || !IDENTIFIER.test(patientId)) {
    throw new UnauthenticatedError('a patient token needs a custom:patient_id claim (1-64 of A-Z a-z 0-9 . _ : -)');
  }
  return { id, role, patientId };
}

function groupsOf(value: unknown): string[] {
  if (typeof value === 'string') return value.split(',').map((group) => group.trim());
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === 'string');
  return [];
}
