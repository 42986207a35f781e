/**
 * The ledger routes (API.md "Routes": /v1/ledger/...), the ones `chartproof verify` reads.
 * Their shapes match shared/ledger/proof-responses.ts, which checks saved responses offline.
 */
import * as z from 'zod';
import { integerParameter, Sha256, TEXT_PLAIN, type RouteContract } from './common.ts';

const TreeNumber = z.int().min(0);

export const EntryProof = z
  .object({
    index: TreeNumber,
    entry: z.string().meta({ description: 'The entry: its RFC 8785 canonical JSON, as a string' }),
    leafHash: Sha256,
    treeSize: TreeNumber,
    proof: z.array(Sha256).meta({ description: 'RFC 9162 inclusion proof against treeSize' }),
    checkpoint: z.string().meta({ description: 'The latest signed checkpoint (C2SP signed note)' }),
  })
  .meta({ id: 'EntryProof' });

export const ConsistencyProof = z
  .object({ from: TreeNumber, to: TreeNumber, proof: z.array(Sha256).meta({ description: 'RFC 9162 consistency proof' }) })
  .meta({ id: 'ConsistencyProof' });

export const getCheckpoint = {
  summary: 'The latest signed checkpoint',
  tags: ['ledger'],
  request: {},
  responses: { 200: { description: 'A C2SP signed note', content: { [TEXT_PLAIN]: z.string() } } },
  problems: [],
} as const satisfies RouteContract;

export const getVerifierKey = {
  summary: "The log's verifier key",
  tags: ['ledger'],
  request: {},
  responses: { 200: { description: 'A C2SP vkey', content: { [TEXT_PLAIN]: z.string() } } },
  problems: [],
} as const satisfies RouteContract;

export const getLedgerEntry = {
  summary: 'A journal entry with its inclusion proof',
  description: 'The patient the entry concerns, or an auditor.',
  tags: ['ledger'],
  request: {
    params: z.object({ index: integerParameter({ min: 0, description: '0-based journal index' }) }),
    query: z.object({ treeSize: integerParameter({ min: 1, description: "Default: the returned checkpoint's size" }).optional() }),
  },
  responses: { 200: { description: 'The entry and its proof', content: { 'application/json': EntryProof } } },
  problems: ['forbidden', 'not-found'],
} as const satisfies RouteContract;

export const getConsistencyProof = {
  summary: 'A consistency proof between two tree sizes',
  tags: ['ledger'],
  request: {
    query: z.object({ from: integerParameter({ min: 1 }), to: integerParameter({ min: 1 }) }),
  },
  responses: { 200: { description: 'The proof', content: { 'application/json': ConsistencyProof } } },
  problems: ['not-found'],
} as const satisfies RouteContract;
