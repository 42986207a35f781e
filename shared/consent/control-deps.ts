import type { Actor } from '../access/actor.ts';
import { journalDenial } from '../access/journal-denial.ts';
import type { PatientControl } from '../ports/patient-control.ts';
import type { RecordsDeps } from '../records/records-deps.ts';

/** What the consent, access-log and erasure use cases are built over. */
export type ControlDeps = Pick<RecordsDeps, 'journal' | 'projection' | 'clock' | 'newId' | 'keys' | 'patientRows'> & {
  readonly control: PatientControl;
};

/** `deps` with its patient control; throws when the composition root gave none (a wiring bug). */
export function requireControl(deps: RecordsDeps): ControlDeps {
  const { control } = deps;
  if (control === undefined) throw new TypeError('the records dependencies have no patient control');
  return { ...deps, control };
}

/**
 * Permits only the patient themselves (and `alsoRole`, when given); journals the denial of anyone
 * else and throws it.
 */
export async function requireOwnerOr(
  deps: ControlDeps,
  request: { actor: Actor; patientId: string; action: string; alsoRole?: Actor['role'] },
): Promise<void> {
  const { actor, patientId, action, alsoRole } = request;
  if (actor.role === 'patient' && actor.patientId === patientId) return;
  if (alsoRole !== undefined && actor.role === alsoRole) return;
  const reason = actor.role === 'patient' ? 'not-own-records' : 'role-not-permitted';
  throw await journalDenial(deps, { actor, action, reason, patientId });
}
