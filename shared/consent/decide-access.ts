/**
 * The one place that says who may do what to a patient's records (ARCHITECTURE.md D3).
 *
 * Pure: no I/O, no clock. Use cases call it before touching anything and journal every denial.
 * Consents are not implemented yet: the consent issue plugs in here, by adding the patient's
 * active consents (and a break-glass request) to `AccessRequest` and permitting practitioner reads
 * they cover. Until then a practitioner read is always denied with reason `no-consent`.
 */
import type { Actor } from '../access/actor.ts';

/** What an actor attempts on one patient's records. The codes are journaled as `access.denied` actions. */
export type RecordAction = 'record.create' | 'record.update' | 'record.read' | 'record.list' | 'record.history';

export type AccessRequest = {
  readonly actor: Actor;
  readonly action: RecordAction;
  /** The patient whose records are concerned (from the request path). */
  readonly patientId: string;
};

/** Why an attempt is refused; journaled as the `reason` code of `access.denied`. */
export type DenialReason =
  /** A patient acting on another patient's records. */
  | 'not-own-records'
  /** A practitioner reading without a consent that covers the record (consents come with their own issue). */
  | 'no-consent'
  /** The role never sees or changes record contents (auditor, admin). */
  | 'role-not-permitted';

export type AccessDecision = { readonly permit: true } | { readonly permit: false; readonly reason: DenialReason };

const PERMIT: AccessDecision = { permit: true };

const WRITES: ReadonlySet<RecordAction> = new Set(['record.create', 'record.update']);

/** Decides whether `request.actor` may perform `request.action` on `request.patientId`'s records. */
export function decideAccess(request: AccessRequest): AccessDecision {
  const { actor, action, patientId } = request;
  switch (actor.role) {
    case 'patient':
      return actor.patientId !== undefined && actor.patientId === patientId ? PERMIT : deny('not-own-records');
    case 'practitioner':
      // Whether the patient is registered is the use case's concern (404), after this decision.
      return WRITES.has(action) ? PERMIT : deny('no-consent');
    case 'auditor':
    case 'admin':
      return deny('role-not-permitted');
  }
}

function deny(reason: DenialReason): AccessDecision {
  return { permit: false, reason };
}
