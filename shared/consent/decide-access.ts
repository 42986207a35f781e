/**
 * The one place that says who may do what to a patient's records (ARCHITECTURE.md D3).
 *
 * Pure: no I/O, no clock of its own. Use cases gather what it needs (the practitioner's consents,
 * whether a break-glass window is open, the record concerned), call it before touching anything,
 * journal every denial and index every outcome (permit, deny, break-glass).
 *
 * Practitioners read under a consent in force that covers the record, or by break-glass. A record
 * that a practitioner's consents do not cover is refused exactly as a record that does not exist,
 * so a refusal never tells whether, or how many, uncovered records there are.
 */
import type { Actor } from '../access/actor.ts';
import { coverageOf, covers, coversAnything, type ConsentTerms, type Coverage } from './consent.ts';

/** What an actor attempts on one patient's records. The codes are journaled as `access.denied` actions. */
export type RecordAction = 'record.create' | 'record.update' | 'record.read' | 'record.list' | 'record.history';

export type AccessRequest = {
  readonly actor: Actor;
  readonly action: RecordAction;
  /** The patient whose records are concerned (from the request path). */
  readonly patientId: string;
  /**
   * For a practitioner's read or history: the record concerned, with its category as the projection
   * has it (undefined when it has none, or when there is no such record: then only a scope of all
   * records or of its id covers it, so a missing record and an uncovered one are refused alike).
   */
  readonly record?: { readonly id: string; readonly category?: string | undefined };
  /** The actor's consents from this patient, in any state; only practitioner reads consult them. */
  readonly consents?: readonly ConsentTerms[];
  /** When the attempt happens; required for practitioner reads (consent expiry, break-glass window). */
  readonly at?: Date;
  /**
   * Break-glass: `requested` when the request states a reason (X-Break-Glass-Reason, record reads
   * only); `windowOpen` when this practitioner broke the glass on this patient within the window.
   */
  readonly breakGlass?: { readonly requested: boolean; readonly windowOpen: boolean };
};

/** Why an attempt is refused; journaled as the `reason` code of `access.denied`. */
export type DenialReason =
  /** A patient acting on another patient's records. */
  | 'not-own-records'
  /** A practitioner reading without a consent in force that covers the record. */
  | 'no-consent'
  /** The role never sees or changes record contents (auditor, admin). */
  | 'role-not-permitted';

export type AccessDecision =
  | { readonly permit: true; readonly outcome: 'permit'; readonly coverage?: Coverage }
  | { readonly permit: true; readonly outcome: 'break-glass' }
  | { readonly permit: false; readonly outcome: 'deny'; readonly reason: DenialReason };

const PERMIT: AccessDecision = { permit: true, outcome: 'permit' };
const BREAK_GLASS: AccessDecision = { permit: true, outcome: 'break-glass' };

const WRITES: ReadonlySet<RecordAction> = new Set(['record.create', 'record.update']);

/**
 * Decides whether `request.actor` may perform `request.action` on `request.patientId`'s records.
 * A practitioner's `record.list` permit carries the coverage that the listing must filter by.
 */
export function decideAccess(request: AccessRequest): AccessDecision {
  const { actor, action, patientId } = request;
  switch (actor.role) {
    case 'patient':
      return actor.patientId !== undefined && actor.patientId === patientId ? PERMIT : deny('not-own-records');
    case 'practitioner':
      // Whether the patient is registered is the use case's concern (404), after this decision.
      return WRITES.has(action) ? PERMIT : decidePractitionerRead(request);
    case 'auditor':
    case 'admin':
      return deny('role-not-permitted');
  }
}

function decidePractitionerRead(request: AccessRequest): AccessDecision {
  const { actor, action, record, consents = [], breakGlass } = request;
  if (breakGlass !== undefined && (breakGlass.windowOpen || (breakGlass.requested && action === 'record.read'))) return BREAK_GLASS;
  if (request.at === undefined) return deny('no-consent');
  const coverage = coverageOf(consents, { grantee: actor.id, at: request.at });
  if (action === 'record.list') return coversAnything(coverage) ? { permit: true, outcome: 'permit', coverage } : deny('no-consent');
  return record !== undefined && covers(coverage, record) ? PERMIT : deny('no-consent');
}

function deny(reason: DenialReason): AccessDecision {
  return { permit: false, outcome: 'deny', reason };
}
