/**
 * What the access policy needs to know about a practitioner's reads of one patient, gathered once
 * per request: their consents in force from the patient, and whether a break-glass window of
 * theirs on the patient is open.
 */
import { createHash } from 'node:crypto';
import type { Actor } from '../access/actor.ts';
import { ValidationError } from '../errors.ts';
import type { PatientControl } from '../ports/patient-control.ts';
import type { PatientRow, RecordVersionRow } from '../ports/records-projection.ts';
import type { ConsentTerms } from './consent.ts';

/** ARCHITECTURE.md D3: break-glass is time-limited. */
export const DEFAULT_BREAK_GLASS_WINDOW_MS = 4 * 60 * 60_000;

/** The longest break-glass reason accepted. */
export const MAX_BREAK_GLASS_REASON = 500;

export type PractitionerContext = {
  /** Their consents from the patient in force at the read's time. */
  readonly consents: readonly ConsentTerms[];
  readonly breakGlass: { readonly requested: boolean; readonly windowOpen: boolean };
  /** The reason the open window was opened with (undefined when none is open, or it was erased). */
  readonly windowReason: string | undefined;
  /** The patient and the record, when the request named a record (looked up in the same round trip). */
  readonly found?: { readonly patient: PatientRow | undefined; readonly row: RecordVersionRow | undefined } | undefined;
};

/**
 * The context of `actor`'s read, in one round trip to the database (so that the policy costs a
 * practitioner's read no more round trips than the patient's own read); undefined for anyone but
 * a practitioner, or without patient control. With `record`, the patient and that record version
 * (the current one when `version` is undefined) come with it, for the policy needs its category.
 */
export async function practitionerContext(
  deps: { readonly control?: Pick<PatientControl, 'practitionerRead'> | undefined; readonly breakGlassWindowMs?: number | undefined },
  request: {
    actor: Actor;
    patientId: string;
    at: Date;
    breakGlassReason?: string | undefined;
    record?: { recordId: string; version?: number | undefined } | undefined;
  },
): Promise<PractitionerContext | undefined> {
  const { actor, patientId, at, breakGlassReason, record } = request;
  if (actor.role !== 'practitioner' || deps.control === undefined) return undefined;
  const windowMs = deps.breakGlassWindowMs ?? DEFAULT_BREAK_GLASS_WINDOW_MS;
  // A window opened at T is open for reads at T <= at < T + window: the latest opening after at - window.
  const breakGlassSince = new Date(at.getTime() - windowMs + 1).toISOString();
  const read = await deps.control.practitionerRead({ patientId, grantee: actor.id, at: at.toISOString(), breakGlassSince, record });
  return {
    consents: read.consents,
    breakGlass: { requested: breakGlassReason !== undefined, windowOpen: read.breakGlass !== undefined },
    windowReason: read.breakGlass?.reason,
    ...(read.found === undefined ? {} : { found: read.found }),
  };
}

/**
 * The stated break-glass reason, trimmed; undefined when none was stated. Throws ValidationError
 * unless it is 1..MAX_BREAK_GLASS_REASON printable characters.
 */
export function breakGlassReason(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const reason = value.trim();
  if (reason.length === 0 || reason.length > MAX_BREAK_GLASS_REASON || /[\p{Cc}]/u.test(reason)) {
    throw new ValidationError([
      { path: 'headers.x-break-glass-reason', message: `must be 1-${MAX_BREAK_GLASS_REASON} printable characters` },
    ]);
  }
  return reason;
}

/** The SHA-256 of a break-glass reason, as journaled (canonical base64). */
export function reasonSha256(reason: string): string {
  return createHash('sha256').update(reason, 'utf8').digest('base64');
}
