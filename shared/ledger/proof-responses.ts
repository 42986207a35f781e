/**
 * The proof responses of the public API (API.md), as saved by a user and checked offline by
 * `chartproof verify`. API responses may gain fields, so unknown fields are accepted and ignored;
 * the fields below must be exactly as described.
 */
import * as z from 'zod';
import { Base64HashSchema } from './entry.ts';

const TreeNumber = z.int().min(0); // z.int() is limited to safe integers
// A proof in a tree of at most 2^53 leaves has far fewer hashes; the bound caps the work a file can cause.
const Proof = z.array(Base64HashSchema).max(128);

/** GET /v1/ledger/entries/{index}: an entry with its inclusion proof at `treeSize`. */
export const EntryProofResponseSchema = z.object({
  index: TreeNumber,
  entry: z.string(), // the canonical JSON of the entry, as a string
  leafHash: Base64HashSchema,
  treeSize: TreeNumber,
  proof: Proof,
  checkpoint: z.string(), // the signed checkpoint the server considered current; verify does not trust it
});
export type EntryProofResponse = z.infer<typeof EntryProofResponseSchema>;

/** GET /v1/ledger/consistency?from&to: a consistency proof between two tree sizes. */
export const ConsistencyProofResponseSchema = z.object({
  from: TreeNumber,
  to: TreeNumber,
  proof: Proof,
});
export type ConsistencyProofResponse = z.infer<typeof ConsistencyProofResponseSchema>;
