/**
 * Who is acting (ARCHITECTURE.md D3): built from verified JWT claims by the HTTP chain, and the
 * input of every authorization decision in the use cases.
 */
export const ACTOR_ROLES = ['patient', 'practitioner', 'auditor', 'admin'] as const;

export type ActorRole = (typeof ACTOR_ROLES)[number];

export type Actor = {
  /** The JWT `sub`. */
  readonly id: string;
  readonly role: ActorRole;
  /** The patient a `patient` actor is (`custom:patient_id`); absent for every other role. */
  readonly patientId?: string;
};
