/**
 * What the access policy needs to know about a practitioner's reads of one patient, gathered once
 * per request: their unrevoked consents from the patient, and whether a break-glass window of
 * theirs on the patient is open.
 */
import { createHash } from 'node:crypto';
import type { Actor } from '../access/actor.ts';
import { ValidationError } from '../errors.ts';
import type { PatientControl } from '../ports/patient-control.ts';
import type { ConsentTerms } from './consent.ts';

/** ARCHITECTURE.md D3: break-glass is time-limited. */
export const DEFAULT_BREAK_GLASS_WINDOW_MS = 4 * 60 * 60_000;

/** The longest break-glass reason accepted. */
export const MAX_BREAK_GLASS_REASON = 500;

export type PractitionerContext = {
  readonly consents: readonly ConsentTerms[];
  readonly breakGlass: { readonly requested: boolean; readonly windowOpen: boolean };
  /** The reason the open window was opened with (undefined when none is open, or it was erased). */
  readonly windowReason: string | undefined;
};

/** The context of `actor`'s read; empty for anyone but a practitioner, or without patient control. */
export async function practitionerContext(
  deps: { readonly control?: Pick<PatientControl, 'unrevokedConsents' | 'latestBreakGlass'> | undefined; readonly breakGlassWindowMs?: number | undefined },
  request: { actor: Actor; patientId: string; at: Date; breakGlassReason?: string | undefined },
): Promise<PractitionerContext | undefined> {
  const { actor, patientId, at, breakGlassReason } = request;
  if (actor.role !== 'practitioner' || deps.control === undefined) return undefined;
  const windowMs = deps.breakGlassWindowMs ?? DEFAULT_BREAK_GLASS_WINDOW_MS;
  // A window opened at T is open for reads at T <= at < T + window: the latest opening after at - window.
  const since = new Date(at.getTime() - windowMs + 1).toISOString();
  const [consents, opened] = await Promise.all([
    deps.control.unrevokedConsents({ patientId, grantee: actor.id }),
    deps.control.latestBreakGlass({ patientId, actorId: actor.id, since }),
  ]);
  return {
    consents,
    breakGlass: { requested: breakGlassReason !== undefined, windowOpen: opened !== undefined },
    windowReason: opened?.reason,
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
