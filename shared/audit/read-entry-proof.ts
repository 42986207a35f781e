/**
 * GET /v1/ledger/entries/{index}?treeSize (API.md): a journal entry with its inclusion proof, for an
 * auditor or for the patient the entry concerns (its `patient` member).
 *
 * A permitted read is not journaled: an entry holds only ids and hashes, and reading it is not
 * access to a record. Every refusal is (ARCHITECTURE.md D3), as `access.denied` with the action
 * `ledger.entry.read`, concerning the patient the entry names, who is alerted:
 * - practitioners and admins get 403 with the denial's receipt, before any proof is computed; for
 *   an index beyond the journal no patient is concerned, and the denial names a fresh id that no
 *   patient will ever have (as for a refused registration);
 * - to a patient, an entry about someone else and an index beyond the journal look the same (404,
 *   without a receipt), so indexes reveal nothing; the denial of the former is journaled all the
 *   same, in the other patient's access log, the requester being told nothing of it. (The time it
 *   takes tells only that the index is below the tree size, which the public checkpoint tells.)
 * Bad input (an index or tree size out of range) is refused with 400 and journals nothing.
 *
 * The proof is against `treeSize` when given, else against the latest signed checkpoint, which is
 * made to cover the entry: a checkpoint is requested, and while the signing policy's minimum
 * interval holds it back, the read waits (briefly and boundedly) for it.
 */
import type { Actor } from '../access/actor.ts';
import { journalDenial } from '../access/journal-denial.ts';
import type { JournalAccessDeps } from '../access/journal-access.ts';
import { NotFoundError, UnauthenticatedError, ValidationError } from '../errors.ts';
import { parseEntryBytes } from '../ledger/entry.ts';
import { IndexOutOfRangeError } from '../ledger/errors.ts';
import { encodeBase64 } from '../ledger/strict-base64.ts';
import { TreeSizeOutOfRangeError, type JournalStore, type SignedCheckpoint } from '../ports/journal-store.ts';

export type ReadEntryProofDeps = {
  readonly journal: Pick<JournalStore, 'entry' | 'treeHead' | 'latestCheckpoint' | 'checkpoint'>;
  /** Resolves after `ms` milliseconds (setTimeout); injected so tests need not wait. */
  readonly sleep: (ms: number) => Promise<void>;
  /** How long to wait for a covering checkpoint; default 3,000 ms. */
  readonly checkpointWaitMs?: number;
  /** Where refusals are journaled and alerted (the records use cases' dependencies). */
  readonly denials: JournalAccessDeps & { readonly clock: () => Date; readonly newId: () => string };
};

/** The action code of a refused entry read, in `access.denied` entries. */
export const READ_ENTRY_ACTION = 'ledger.entry.read';

export type ReadEntryProofInput = {
  readonly actor: Actor | undefined;
  /** Requires a safe integer >= 0. */
  readonly index: number;
  /** Requires a safe integer > index when given. */
  readonly treeSize?: number | undefined;
};

/** The API.md response; `entry` is the canonical JSON text, hashes are base64. */
export type EntryProofResult = {
  readonly index: number;
  readonly entry: string;
  readonly leafHash: string;
  readonly treeSize: number;
  readonly proof: string[];
  readonly checkpoint: string;
};

const POLL_MS = 200;

export function makeReadEntryProof(deps: ReadEntryProofDeps): (input: ReadEntryProofInput) => Promise<EntryProofResult> {
  const waitMs = deps.checkpointWaitMs ?? 3_000;

  async function coveringCheckpoint(size: number): Promise<SignedCheckpoint | undefined> {
    for (let waited = 0; ; waited += POLL_MS) {
      const latest = await deps.journal.latestCheckpoint();
      if (latest !== undefined && latest.size >= size) return latest;
      const signed = await deps.journal.checkpoint({ covering: size });
      if (signed !== undefined && signed.size >= size) return signed;
      if (waited >= waitMs) return signed;
      await deps.sleep(POLL_MS);
    }
  }

  /** The patient the entry at `index` (below the tree size) concerns. */
  async function patientOf(index: number): Promise<string> {
    return parseEntryBytes((await deps.journal.entry(index)).entry).patient;
  }

  return async function readEntryProof(input) {
    const { actor, index, treeSize } = input;
    if (actor === undefined) throw new UnauthenticatedError('a bearer token is required to read journal entries');
    if (!Number.isSafeInteger(index) || index < 0) throw new ValidationError([{ path: 'path.index', message: 'must be an integer >= 0' }]);
    if (treeSize !== undefined && !(Number.isSafeInteger(treeSize) && treeSize > index)) {
      throw new ValidationError([{ path: 'query.treeSize', message: `must be an integer greater than the index ${index}` }]);
    }
    const notFound = new NotFoundError({ resource: 'entry', id: String(index) });
    const head = await deps.journal.treeHead();
    if (actor.role !== 'auditor' && actor.role !== 'patient') {
      const concerned = index < head.size ? await patientOf(index) : deps.denials.newId();
      throw await journalDenial(deps.denials, { actor, action: READ_ENTRY_ACTION, reason: 'role-not-permitted', patientId: concerned });
    }
    if (index >= head.size) throw notFound;
    if (treeSize !== undefined && treeSize > head.size) {
      throw new ValidationError([{ path: 'query.treeSize', message: `must be at most the tree size ${head.size}` }]);
    }

    const checkpoint = await coveringCheckpoint(index + 1);
    if (checkpoint === undefined) throw new NotFoundError({ resource: 'checkpoint' });
    const proofSize = treeSize ?? checkpoint.size;
    if (index >= proofSize) {
      throw new NotFoundError({ resource: 'signed checkpoint covering entry', id: String(index) }); // retry shortly
    }
    let proven;
    try {
      proven = await deps.journal.entry(index, { treeSize: proofSize });
    } catch (error) {
      if (error instanceof IndexOutOfRangeError || error instanceof TreeSizeOutOfRangeError) throw notFound;
      throw error;
    }
    const entry = parseEntryBytes(proven.entry);
    if (actor.role === 'patient' && (actor.patientId === undefined || entry.patient !== actor.patientId)) {
      // Journaled for (and alerted to) the patient the entry concerns; the requester learns nothing.
      await journalDenial(deps.denials, { actor, action: READ_ENTRY_ACTION, reason: 'not-own-records', patientId: entry.patient });
      throw notFound;
    }
    return {
      index,
      entry: new TextDecoder().decode(proven.entry),
      leafHash: encodeBase64(proven.leafHash),
      treeSize: proven.treeSize,
      proof: proven.proof.map(encodeBase64),
      checkpoint: checkpoint.note,
    };
  };
}
