/**
 * A small real journal for tests of checkpoints, proofs and `chartproof verify`: schema-valid
 * entries, a tree built with CompactRange (nodes kept from its `visit` callback, as storage
 * would), signed checkpoints at any size, and API-shaped proof responses built with the proof plans.
 */
import { CompactRange } from '../../shared/ledger/compact-range.ts';
import { entryBytes, type JournalEntry } from '../../shared/ledger/entry.ts';
import { leafHash, type Hash } from '../../shared/ledger/hashing.ts';
import type { NodeId } from '../../shared/ledger/node-id.ts';
import { signCheckpoint } from '../../shared/ledger/note.ts';
import { consistencyProofPlan, inclusionProofPlan, type ProofPlan } from '../../shared/ledger/proof.ts';
import type { ConsistencyProofResponse, EntryProofResponse } from '../../shared/ledger/proof-responses.ts';
import { encodeBase64 } from '../../shared/ledger/strict-base64.ts';
import type { CheckpointSigner } from '../../shared/ports/signer.ts';
import { ORIGIN, testSigner } from './test-signer.ts';

export { ORIGIN, testSigner };

const SHA = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';

/** Entry number i: cycles through several entry types, all schema-valid. */
export function sampleEntry(i: number): JournalEntry {
  const at = new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString();
  const patient = `patient-${i % 3}`;
  const record = { id: `rec-${i}`, version: 1 + (i % 4), sha256: SHA, category: 'laboratory' };
  switch (i % 5) {
    case 0:
      return { v: 1, type: 'patient.registered', at, actor: { id: 'admin-1', role: 'admin' }, patient };
    case 1:
      return { v: 1, type: 'record.created', at, actor: { id: 'dr-7', role: 'practitioner' }, patient, record };
    case 2:
      return { v: 1, type: 'record.read', at, actor: { id: patient, role: 'patient' }, patient, record };
    case 3:
      return {
        v: 1,
        type: 'consent.granted',
        at,
        actor: { id: patient, role: 'patient' },
        patient,
        consent: { id: `consent-${i}`, grantee: 'dr-7', scope: { categories: ['laboratory'] }, expiresAt: '2026-01-01T00:00:00.000Z' },
      };
    default:
      return { v: 1, type: 'access.denied', at, actor: { id: 'dr-9', role: 'practitioner' }, patient, action: 'record.read', reason: 'no-consent' };
  }
}

export type Journal = {
  readonly size: number;
  readonly signer: CheckpointSigner;
  /** The canonical JSON text of each entry. */
  readonly entryTexts: readonly string[];
  /** The root at every size 0..size. */
  readonly roots: readonly Hash[];
  /** A signed checkpoint note at `size` (default: the whole journal). */
  checkpoint(size?: number): Promise<string>;
  /** What GET /v1/ledger/entries/{index}?treeSize= returns; `checkpoint` is the note at treeSize. */
  entryResponse(index: number, treeSize?: number): Promise<EntryProofResponse>;
  /** What GET /v1/ledger/consistency?from&to returns. */
  consistencyResponse(from: number, to: number): ConsistencyProofResponse;
};

export function buildJournal(options: { size: number; signer?: CheckpointSigner }): Journal {
  const { size } = options;
  const signer = options.signer ?? testSigner();
  const entryTexts = Array.from({ length: size }, (_, i) => new TextDecoder().decode(entryBytes(sampleEntry(i))));
  const nodes = new Map<string, Hash>();
  const range = CompactRange.empty();
  const roots: Hash[] = [range.root()];
  for (const text of entryTexts) {
    range.append(leafHash(new TextEncoder().encode(text)), (id, hash) => nodes.set(key(id), hash));
    roots.push(range.root());
  }
  const fetch = (plan: ProofPlan): string[] =>
    plan.rehash(plan.ids.map((id) => nodes.get(key(id)) ?? missing(id))).map(encodeBase64);
  const checkpoint = (at = size) => signCheckpoint({ origin: ORIGIN, size: at, root: roots[at] as Hash, extensions: [] }, signer);
  return {
    size,
    signer,
    entryTexts,
    roots,
    checkpoint,
    entryResponse: async (index, treeSize = size) => ({
      index,
      entry: entryTexts[index] as string,
      leafHash: encodeBase64(leafHash(new TextEncoder().encode(entryTexts[index]))),
      treeSize,
      proof: fetch(inclusionProofPlan(index, treeSize)),
      checkpoint: await checkpoint(treeSize),
    }),
    consistencyResponse: (from, to) => ({ from, to, proof: from === 0 ? [] : fetch(consistencyProofPlan(from, to)) }),
  };
}

function key(id: NodeId): string {
  return `${id.level}/${id.index}`;
}

function missing(id: NodeId): never {
  throw new Error(`node ${key(id)} was never stored`);
}
