import { GoneError, NotFoundError } from '../errors.ts';
import type { PatientRow, RecordsProjection } from '../ports/records-projection.ts';

/** A patient whose records can be read and written: registered and not erased. */
export type ActivePatient = PatientRow & { readonly wrappedKey: Uint8Array };

/**
 * The patient, if registered and not erased. Throws NotFoundError for an unknown patient and
 * GoneError (410) for an erased one. Call it only after the access decision, so that whether a
 * patient exists is never revealed to an actor who may not act on them.
 */
export async function activePatient(projection: RecordsProjection, patientId: string): Promise<ActivePatient> {
  return requireActive(await projection.patient(patientId), patientId);
}

/** `patient` if registered and not erased; throws as activePatient does. */
export function requireActive(patient: PatientRow | undefined, patientId: string): ActivePatient {
  if (patient === undefined) throw new NotFoundError({ resource: 'patient', id: patientId });
  if (patient.erasedAt !== undefined || patient.wrappedKey === undefined) throw new GoneError({ patientId });
  return { ...patient, wrappedKey: patient.wrappedKey };
}
