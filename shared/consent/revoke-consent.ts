/**
 * DELETE /v1/patients/{patientId}/consents/{consentId} (API.md): the patient revokes a consent;
 * journaled as `consent.revoked` in the same transaction as the projection's update. From the
 * revocation on, the policy no longer counts it.
 */
import type { Actor } from '../access/actor.ts';
import { requireJournalableActor, requireUuid } from '../access/identifiers.ts';
import { NotFoundError, type JournalReceipt } from '../errors.ts';
import { entryBytes } from '../ledger/entry.ts';
import { onlyReceipt, toJournalReceipt } from '../records/receipts.ts';
import { requireOwnerOr, type ControlDeps } from './control-deps.ts';

export type RevokeConsentInput = { readonly actor: Actor; readonly patientId: string; readonly consentId: string };
export type RevokeConsentResult = { readonly consentId: string; readonly entry: JournalReceipt };

export function makeRevokeConsent(deps: ControlDeps): (input: RevokeConsentInput) => Promise<RevokeConsentResult> {
  return async function revokeConsent(input) {
    const { actor, patientId, consentId } = input;
    requireJournalableActor(actor);
    requireUuid(patientId, 'path.patientId');
    requireUuid(consentId, 'path.consentId');
    await requireOwnerOr(deps, { actor, patientId, action: 'consent.revoke' });
    const revokedAt = deps.clock().toISOString();
    const bytes = entryBytes({ v: 1, type: 'consent.revoked', at: revokedAt, actor: { id: actor.id, role: actor.role }, patient: patientId, consent: { id: consentId } });
    const { receipts } = await deps.control.transact(async (tx) => {
      // Revoking twice is refused like a missing consent: there is no active consent to revoke.
      if ((await tx.revokeConsent({ patientId, consentId, revokedAt })) !== 'revoked') throw new NotFoundError({ resource: 'active consent', id: consentId });
      tx.append([bytes]);
    });
    return { consentId, entry: toJournalReceipt(onlyReceipt(receipts)) };
  };
}
