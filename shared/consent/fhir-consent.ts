/**
 * Consents as FHIR R4 Consent resources (http://hl7.org/fhir/R4/consent.html), for
 * GET /v1/patients/{patientId}/consents?format=fhir: a privacy consent (scope patient-privacy)
 * whose provision permits the grantee to access the covered records during its period.
 */
import { consentInForce } from './consent.ts';
import type { ConsentView } from './list-consents.ts';

const TERMINOLOGY = 'http://terminology.hl7.org/CodeSystem';

/** A Bundle (type collection) of one Consent per consent; `at` decides active or inactive. */
export function consentBundle(items: readonly ConsentView[], options: { patientId: string; at: Date }): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: items.map((item) => ({ fullUrl: `urn:uuid:${item.consentId}`, resource: fhirConsent(item, options) })),
  };
}

function fhirConsent(item: ConsentView, options: { patientId: string; at: Date }): Record<string, unknown> {
  const scope = item.scope;
  const end = item.revokedAt ?? item.expiresAt;
  return {
    resourceType: 'Consent',
    id: item.consentId,
    status: consentInForce(item, options.at) ? 'active' : 'inactive',
    scope: { coding: [{ system: `${TERMINOLOGY}/consentscope`, code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: { reference: `Patient/${options.patientId}` },
    dateTime: item.grantedAt,
    policyRule: { coding: [{ system: `${TERMINOLOGY}/v3-ActCode`, code: 'OPTIN' }] },
    provision: {
      type: 'permit',
      period: { start: item.grantedAt, ...(end === undefined ? {} : { end }) },
      actor: [
        {
          role: { coding: [{ system: `${TERMINOLOGY}/v3-ParticipationType`, code: 'PRCP', display: 'primary information recipient' }] },
          reference: { identifier: { system: 'urn:chartproof:actor', value: item.grantee } },
        },
      ],
      action: [{ coding: [{ system: `${TERMINOLOGY}/consentaction`, code: 'access' }] }],
      ...(item.purpose === undefined ? {} : { purpose: [{ system: `${TERMINOLOGY}/v3-ActReason`, code: item.purpose }] }),
      ...('categories' in scope ? { code: scope.categories.map((code) => ({ coding: [{ system: 'urn:chartproof:category', code }] })) } : {}),
      ...('recordIds' in scope
        ? { data: scope.recordIds.map((id) => ({ meaning: 'instance', reference: { identifier: { system: 'urn:chartproof:record', value: id } } })) }
        : {}),
    },
  };
}
