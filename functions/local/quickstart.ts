/**
 * What `npm start` prints on the first start: tokens, registering a patient, storing an
 * Observation and reading it back, choosing email alerts and seeing the alert a refused read
 * raises, as commands that work verbatim from the repository root in a POSIX shell with curl and
 * sed (test/local/quickstart.test.ts runs them).
 */
import { join } from 'node:path';

/** `text` as one POSIX shell word. */
function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/** The quickstart, for a server at `url` with its data in `dataDir`; the commands assume the same CHARTPROOF_DATA_DIR (or the default). */
export function quickstart(url: string, dataDir: string): string {
  const observation = JSON.stringify({
    resource: {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
      valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
    },
    category: 'vital-signs',
  });
  return [
    '',
    'Quickstart (run these from the repository root, in another terminal):',
    '',
    '  # tokens for the local server: npm run token -- --role <patient|practitioner|auditor|admin> --sub <id> [--patient <patientId>]',
    '  ADMIN=$(npm run -s token -- --role admin --sub admin-1)',
    '  PRACTITIONER=$(npm run -s token -- --role practitioner --sub practitioner-1)',
    '',
    '  # an admin registers a patient',
    `  PATIENT_ID=$(curl -s -X POST ${url}/v1/patients -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{}' | sed -E 's/.*"patientId":"([^"]+)".*/\\1/')`,
    '',
    '  # a practitioner stores an Observation for them; the response carries the journal receipt',
    `  curl -s -X POST ${url}/v1/patients/$PATIENT_ID/records -H "Authorization: Bearer $PRACTITIONER" -H 'Content-Type: application/json' -d '${observation}'; echo`,
    '',
    '  # the patient reads their records',
    '  PATIENT=$(npm run -s token -- --role patient --sub patient-1 --patient $PATIENT_ID)',
    `  curl -s ${url}/v1/patients/$PATIENT_ID/records -H "Authorization: Bearer $PATIENT"; echo`,
    '',
    '  # the patient asks to be alerted by email (locally, alerts are written to a file and printed here)',
    `  curl -s -X PUT ${url}/v1/patients/$PATIENT_ID/notification-preferences -H "Authorization: Bearer $PATIENT" -H 'Content-Type: application/json' -d '{"channels":[{"type":"email","address":"patient@example.org"}],"mode":"immediate"}'; echo`,
    '',
    '  # without a consent the practitioner is refused: the refusal is journaled and the patient alerted',
    `  curl -s ${url}/v1/patients/$PATIENT_ID/records -H "Authorization: Bearer $PRACTITIONER"; echo`,
    `  sleep 1; cat ${shellQuote(join(dataDir, 'notifications.jsonl'))}`,
    '',
    `  # anyone can verify the journal: ${url}/v1/ledger/checkpoint, ${url}/v1/ledger/key, and npx chartproof verify --help`,
    `  # the API contract: ${url}/v1/openapi.json`,
    '',
  ].join('\n');
}
