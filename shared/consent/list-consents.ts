/**
 * GET /v1/patients/{patientId}/consents (API.md): the patient's consents, revoked and expired ones
 * included, oldest first; with `format=fhir`, as FHIR R4 Consent resources in a Bundle.
 */
import type { Actor } from '../access/actor.ts';
import { requireJournalableActor, requireUuid } from '../access/identifiers.ts';
import { NotFoundError, type JournalReceipt } from '../errors.ts';
import type { ConsentScope } from './consent.ts';
import { requireOwnerOr, type ControlDeps } from './control-deps.ts';

export type ListConsentsInput = { readonly actor: Actor; readonly patientId: string };

export type ConsentView = {
  readonly consentId: string;
  readonly grantee: string;
  readonly scope: ConsentScope;
  readonly grantedAt: string;
  readonly expiresAt?: string;
  readonly purpose?: string;
  readonly revokedAt?: string;
  readonly entry: JournalReceipt;
};

export type ListConsentsResult = { readonly items: ConsentView[] };

export function makeListConsents(deps: ControlDeps): (input: ListConsentsInput) => Promise<ListConsentsResult> {
  return async function listConsents(input) {
    const { actor, patientId } = input;
    requireJournalableActor(actor);
    requireUuid(patientId, 'path.patientId');
    await requireOwnerOr(deps, { actor, patientId, action: 'consent.list' });
    if ((await deps.projection.patient(patientId)) === undefined) throw new NotFoundError({ resource: 'patient', id: patientId });
    const consents = await deps.control.consents(patientId);
    // A grant whose index is not known yet (committed, not yet acknowledged) shows once it is.
    const items = consents.flatMap((consent): ConsentView[] =>
      consent.entry.index === undefined
        ? []
        : [
            {
              consentId: consent.consentId,
              grantee: consent.grantee,
              scope: consent.scope,
              grantedAt: consent.grantedAt,
              ...(consent.expiresAt === undefined ? {} : { expiresAt: consent.expiresAt }),
              ...(consent.purpose === undefined ? {} : { purpose: consent.purpose }),
              ...(consent.revokedAt === undefined ? {} : { revokedAt: consent.revokedAt }),
              entry: { index: consent.entry.index, leafHash: consent.entry.leafHash },
            },
          ],
    );
    return { items };
  };
}
