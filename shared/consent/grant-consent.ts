/**
 * POST /v1/patients/{patientId}/consents (API.md): the patient lets a practitioner read their
 * records: all of them, some categories, or listed records, until an optional expiry, for an
 * optional purpose. Journaled as `consent.granted` (carrying the terms) in the same transaction as
 * the consents projection row.
 *
 * Order: validate the shape (bad input writes nothing) → only the patient (a denial is journaled)
 * → replay an Idempotency-Key seen before → the expiry must be in the future → write. A replay
 * answers as the first time even once the consent it granted has expired.
 */
import type { Actor } from '../access/actor.ts';
import { requireJournalableActor, requireUuid } from '../access/identifiers.ts';
import { GoneError, NotFoundError, ValidationError, type JournalReceipt } from '../errors.ts';
import { idempotentRequest, type IdempotentRequest } from '../idempotency/idempotency.ts';
import { entryBytes } from '../ledger/entry.ts';
import { leafHash as leafHashOf } from '../ledger/hashing.ts';
import { encodeBase64 } from '../ledger/strict-base64.ts';
import { onlyReceipt, toJournalReceipt } from '../records/receipts.ts';
import type { ConsentScope } from './consent.ts';
import { requireOwnerOr, type ControlDeps } from './control-deps.ts';
import { claimInTransaction, idempotently, recordClaimIndex } from './control-idempotency.ts';

export const GRANT_CONSENT_ROUTE = 'POST /v1/patients/{patientId}/consents';

export type GrantConsentInput = {
  readonly actor: Actor;
  readonly patientId: string;
  /** The practitioner's actor id. */
  readonly grantee: string;
  readonly scope: ConsentScope;
  /** RFC 3339 with an offset; must be later than now. */
  readonly expiresAt?: string | undefined;
  /** A purpose-of-use code, e.g. TREAT. */
  readonly purpose?: string | undefined;
  readonly idempotencyKey?: string | undefined;
};

export type GrantConsentResult = { readonly consentId: string; readonly entry: JournalReceipt };

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export function makeGrantConsent(deps: ControlDeps): (input: GrantConsentInput) => Promise<GrantConsentResult> {
  return async function grantConsent(input) {
    const { actor, patientId, scope, purpose } = input;
    requireJournalableActor(actor);
    requireUuid(patientId, 'path.patientId');
    if (!IDENTIFIER.test(input.grantee)) throw new ValidationError([{ path: 'body.grantee', message: 'must be an identifier' }]);
    const expiresAt = input.expiresAt === undefined ? undefined : new Date(input.expiresAt);
    if (expiresAt !== undefined && Number.isNaN(expiresAt.getTime())) throw new ValidationError([{ path: 'body.expiresAt', message: 'must be a time' }]);
    const idempotent = idempotentRequest({
      key: input.idempotencyKey,
      actorId: actor.id,
      route: GRANT_CONSENT_ROUTE,
      request: { patientId, grantee: input.grantee, scope, expiresAt: input.expiresAt ?? null, purpose: purpose ?? null },
    });
    await requireOwnerOr(deps, { actor, patientId, action: 'consent.grant' });

    return idempotently(deps.control, idempotent, {
      run: () => grant(deps, { input, expiresAt, idempotent }),
      replay: (claim) => {
        if (claim.consentId === undefined) throw new TypeError('a consent grant\'s idempotency claim names no consent');
        return { consentId: claim.consentId, entry: claim.entry };
      },
    });
  };
}

async function grant(
  deps: ControlDeps,
  request: { input: GrantConsentInput; expiresAt: Date | undefined; idempotent: IdempotentRequest | undefined },
): Promise<GrantConsentResult> {
  const { input, expiresAt, idempotent } = request;
  const { actor, patientId, scope, purpose } = input;
  const now = deps.clock();
  if (expiresAt !== undefined && !(expiresAt.getTime() > now.getTime())) {
    throw new ValidationError([{ path: 'body.expiresAt', message: 'must be a time in the future' }]);
  }
  const consentId = deps.newId();
  const grantedAt = now.toISOString();
  const terms = {
    id: consentId,
    grantee: input.grantee,
    scope: copyScope(scope),
    ...(expiresAt === undefined ? {} : { expiresAt: expiresAt.toISOString() }),
    ...(purpose === undefined ? {} : { purpose }),
  };
  // entryBytes validates the terms with the journal's schema before anything is written.
  const bytes = entryBytes({ v: 1, type: 'consent.granted', at: grantedAt, actor: { id: actor.id, role: actor.role }, patient: patientId, consent: terms });
  const leafHash = encodeBase64(leafHashOf(bytes));
  const { receipts } = await deps.control.transact(async (tx) => {
    // The key first: a concurrent grant under the same key waits here for this one to commit, then replays it.
    await claimInTransaction(tx, idempotent, { patientId, consentId, leafHash });
    const outcome = await tx.insertConsent({
      patientId,
      consentId,
      grantee: input.grantee,
      scope: terms.scope,
      grantedAt,
      expiresAt: terms.expiresAt,
      purpose,
      leafHash,
    });
    if (outcome === 'patient-missing') throw new NotFoundError({ resource: 'patient', id: patientId });
    if (outcome === 'patient-erased') throw new GoneError({ patientId });
    tx.append([bytes]);
  });
  const entry = toJournalReceipt(onlyReceipt(receipts));
  await Promise.all([deps.control.setConsentIndex({ patientId, consentId, receipt: entry }), recordClaimIndex(deps.control, idempotent, entry)]);
  return { consentId, entry };
}

function copyScope(scope: ConsentScope): ConsentScope {
  if ('all' in scope) return { all: true };
  if ('categories' in scope) return { categories: [...new Set(scope.categories)] };
  return { recordIds: [...new Set(scope.recordIds)] };
}
