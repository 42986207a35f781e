/**
 * The access log as FHIR R4 AuditEvents (http://hl7.org/fhir/R4/auditevent.html), shaped after
 * IHE Basic Audit Log Patterns (BALP): a read of one record is a PatientRead, anything else
 * (a listing, a history, a log read) a PatientQuery; `entity` holds the patient (and the records
 * concerned), `agent` the actor, `outcome` 0 (success) or 4 (denied), `purposeOfEvent` why
 * (ETREAT for break-glass). The journal receipt travels as an entity identifying the entry.
 * A pure builder: what to audit comes in, a Bundle comes out.
 */
import type { AccessLogItem } from './read-access-log.ts';

const TERMINOLOGY = 'http://terminology.hl7.org/CodeSystem';
const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
const BALP = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition';

/** A Bundle (type collection) with one AuditEvent per access-log item, in order. */
export function auditEventBundle(items: readonly AccessLogItem[], options: { patientId: string }): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: items.map((item) => ({ fullUrl: `urn:chartproof:journal:${item.entry.index}`, resource: auditEvent(item, options.patientId) })),
  };
}

function auditEvent(item: AccessLogItem, patientId: string): Record<string, unknown> {
  const read = item.recordIds.length === 1 && (item.action === 'record.read' || item.action === 'access.break-glass');
  return {
    resourceType: 'AuditEvent',
    id: `journal-${item.entry.index}`,
    meta: { profile: [`${BALP}/IHE.BasicAudit.${read ? 'PatientRead' : 'PatientQuery'}`] },
    type: { system: `${TERMINOLOGY}/audit-event-type`, code: 'rest', display: 'Restful Operation' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: read ? 'read' : 'search', display: read ? 'read' : 'search' }],
    action: read ? 'R' : 'E',
    recorded: item.at,
    outcome: item.outcome === 'deny' ? '4' : '0',
    ...(item.outcome === 'deny' && item.reason !== undefined ? { outcomeDesc: item.reason } : {}),
    purposeOfEvent: [{ coding: [purposeOf(item)] }],
    agent: [
      {
        type: { coding: [{ system: `${DICOM}`, code: '110153', display: 'Source Role ID' }] },
        role: [{ coding: [{ system: 'urn:chartproof:role', code: item.actor.role }] }],
        who: { identifier: { system: 'urn:chartproof:actor', value: item.actor.id } },
        requestor: true,
      },
    ],
    source: {
      observer: { display: 'Chartproof' },
      type: [{ system: `${TERMINOLOGY}/security-source-type`, code: '4', display: 'Application Server' }],
    },
    entity: [
      {
        what: { reference: `Patient/${patientId}` },
        type: { system: `${TERMINOLOGY}/audit-entity-type`, code: '1', display: 'Person' },
        role: { system: `${TERMINOLOGY}/object-role`, code: '1', display: 'Patient' },
      },
      ...item.recordIds.map((id) => ({
        what: { identifier: { system: 'urn:chartproof:record', value: id } },
        type: { system: `${TERMINOLOGY}/audit-entity-type`, code: '2', display: 'System Object' },
        role: { system: `${TERMINOLOGY}/object-role`, code: '4', display: 'Domain Resource' },
      })),
      {
        what: { identifier: { system: 'urn:chartproof:journal', value: String(item.entry.index) } },
        type: { system: `${TERMINOLOGY}/audit-entity-type`, code: '2', display: 'System Object' },
        detail: [
          { type: 'action', valueString: item.action },
          { type: 'leafHash', valueString: item.entry.leafHash },
        ],
      },
    ],
  };
}

function purposeOf(item: AccessLogItem): { system: string; code: string; display: string } {
  const system = `${TERMINOLOGY}/v3-ActReason`;
  if (item.outcome === 'break-glass') return { system, code: 'ETREAT', display: 'Emergency Treatment' };
  if (item.actor.role === 'patient') return { system, code: 'PATRQT', display: 'patient requested' };
  if (item.actor.role === 'auditor') return { system, code: 'HOPERAT', display: 'healthcare operations' };
  return { system, code: 'TREAT', display: 'treatment' };
}
