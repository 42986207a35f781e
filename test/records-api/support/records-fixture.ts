/**
 * The records use cases over real adapters, as the embedded defaults wire them: PGlite in memory
 * (journal and projections), a filesystem object store in a temporary directory, a local key
 * vault behind a PatientKeyCache, the Encryption SDK cipher and an in-memory checkpoint signer.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EncryptionSdkCipher } from '../../../shared/adapters/encryption-sdk-cipher.ts';
import { FsObjectStore } from '../../../shared/adapters/fs-object-store.ts';
import { LocalKeyVault } from '../../../shared/adapters/local-key-vault.ts';
import { openPgliteRecordsDatabase, type RecordsDatabase } from '../../../shared/adapters/pglite/records-database.ts';
import type { Actor } from '../../../shared/access/actor.ts';
import { PatientKeyCache } from '../../../shared/records/patient-key-cache.ts';
import { PatientRowCache } from '../../../shared/records/patient-row-cache.ts';
import type { RecordsDeps } from '../../../shared/records/records-deps.ts';
import { makeRegisterPatient } from '../../../shared/patients/register-patient.ts';
import { parseEntryBytes, type JournalEntry } from '../../../shared/ledger/entry.ts';
import type { CheckpointSigner } from '../../../shared/ports/signer.ts';
import type { CheckpointPolicy } from '../../../shared/ledger/sequencing.ts';
import { testSigner } from '../../ledger/test-signer.ts';

export type RecordsFixture = {
  readonly deps: RecordsDeps;
  readonly database: RecordsDatabase;
  /** Where the object store keeps its files. */
  readonly objectRoot: string;
  readonly admin: Actor;
  readonly practitioner: Actor;
  readonly auditor: Actor;
  readonly signer: CheckpointSigner;
  /** Registers a patient (as the admin) and returns the patient actor. */
  registerPatient(): Promise<Actor>;
  journalSize(): Promise<number>;
  /** The journal entry at `index`, parsed. */
  journalEntry(index: number): Promise<JournalEntry>;
  /** Every object key stored, sorted. */
  storedObjects(): Promise<string[]>;
  close(): Promise<void>;
};

export async function openRecordsFixture(options: { checkpointPolicy?: CheckpointPolicy } = {}): Promise<RecordsFixture> {
  const directory = await mkdtemp(join(tmpdir(), 'chartproof-records-'));
  const objectRoot = join(directory, 'objects');
  const signer = testSigner();
  const database = await openPgliteRecordsDatabase({ dataDir: undefined, signer, ...options });
  const keys = new PatientKeyCache({ vault: new LocalKeyVault(randomBytes(32)), now: Date.now, maxAgeMs: 60_000, maxUses: 1_000, maxEntries: 100 });
  const deps: RecordsDeps = {
    journal: database.journal,
    projection: database.projection,
    objects: new FsObjectStore({ root: objectRoot }),
    keys,
    cipher: new EncryptionSdkCipher(),
    clock: () => new Date(),
    newId: randomUUID,
    patientRows: new PatientRowCache({ now: Date.now, maxAgeMs: 60_000, maxEntries: 100 }),
  };
  const admin: Actor = { id: 'admin-1', role: 'admin' };
  const registerPatient = makeRegisterPatient(deps);
  return {
    deps,
    database,
    objectRoot,
    admin,
    practitioner: { id: 'practitioner-1', role: 'practitioner' },
    auditor: { id: 'auditor-1', role: 'auditor' },
    signer,
    async registerPatient() {
      const { patientId } = await registerPatient({ actor: admin });
      return { id: `patient-${patientId.slice(0, 8)}`, role: 'patient', patientId };
    },
    async journalSize() {
      return (await database.journal.treeHead()).size;
    },
    async journalEntry(index) {
      return parseEntryBytes((await database.journal.entry(index)).entry);
    },
    async storedObjects() {
      const entries = await readdir(objectRoot, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name).slice(objectRoot.length + 1))
        .sort();
    },
    async close() {
      await database.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A small valid Observation. */
export function observation(value = 72): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    valueQuantity: { value, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}
