/**
 * Offline verification of what a user saved from the public API, with only the log's public key:
 * the logic of `chartproof verify`, as a pure function from parsed inputs to one verdict.
 *
 * Nothing in the inputs is trusted except the verifier key. The checkpoint is trusted only once
 * its signature verifies under that key; an entry and its proof only once they reproduce that
 * checkpoint's root; an older checkpoint only once it is signed by the same key and a consistency
 * proof links it to the newer one. The `checkpoint` field inside a saved entry response is ignored:
 * the proof is checked against the checkpoint given explicitly.
 */
import type { z } from 'zod';
import { EntryFormatError, parseEntryText } from './entry.ts';
import { LedgerProofError, RootMismatchError } from './errors.ts';
import { EMPTY_ROOT, equalHashes, leafHash, type Hash } from './hashing.ts';
import { SignedNoteError } from './note-errors.ts';
import { openCheckpoint } from './note.ts';
import { ConsistencyProofResponseSchema, EntryProofResponseSchema } from './proof-responses.ts';
import { decodeBase64Strict, encodeBase64 } from './strict-base64.ts';
import type { Checkpoint } from './checkpoint.ts';
import { verifierFromVkey, type NoteVerifier } from './vkey.ts';
import { verifyConsistency, verifyInclusion } from './verify.ts';

export type VerifyBundleInput = {
  /** The log's verifier key (C2SP vkey), the one trusted input. */
  vkey: string;
  /** A signed checkpoint note (GET /v1/ledger/checkpoint). */
  checkpoint: string;
  /** The parsed JSON of a saved GET /v1/ledger/entries/{index} response, to prove included under `checkpoint`. */
  entry?: unknown;
  /** An older signed checkpoint and the parsed JSON of a saved GET /v1/ledger/consistency response, to prove `checkpoint` extends it. */
  consistency?: { oldCheckpoint: string; proof: unknown };
};

/** The verdict: what was established, or the first reason it could not be, each on one line. */
export type VerifyBundleResult = { ok: true; summary: string } | { ok: false; reason: string };

/** The saved files as bytes: what `chartproof verify` reads from disk, before any decoding. */
export type VerifyBundleFiles = { vkey: Uint8Array; checkpoint: Uint8Array; entry?: Uint8Array; oldCheckpoint?: Uint8Array; consistency?: Uint8Array };

/**
 * verifyBundle over raw file contents: each file must be strict UTF-8 (a replacement character
 * silently standing in for a bad byte would hide tampering), the entry and consistency files JSON.
 * Surrounding whitespace is dropped from the verifier key only (key files end with a newline);
 * notes are taken byte for byte. Requires oldCheckpoint and consistency together or not at all.
 * Never throws.
 */
export function verifyBundleFiles(files: VerifyBundleFiles): VerifyBundleResult {
  try {
    const input: VerifyBundleInput = { vkey: text('verifier key file', files.vkey).trim(), checkpoint: text('checkpoint file', files.checkpoint) };
    if (files.entry !== undefined) input.entry = json('entry file', files.entry);
    if ((files.oldCheckpoint === undefined) !== (files.consistency === undefined)) {
      throw new Failure('an old checkpoint and a consistency proof go together');
    }
    if (files.oldCheckpoint !== undefined && files.consistency !== undefined) {
      input.consistency = { oldCheckpoint: text('old checkpoint file', files.oldCheckpoint), proof: json('consistency file', files.consistency) };
    }
    return verifyBundle(input);
  } catch (error) {
    if (error instanceof Failure) return { ok: false, reason: oneLine(error.message) };
    throw error;
  }
}

/** Verifies a checkpoint and optionally an entry's inclusion and the consistency with an older checkpoint. Never throws. */
export function verifyBundle(input: VerifyBundleInput): VerifyBundleResult {
  try {
    const verifier = attempt('verifier key', () => verifierFromVkey(input.vkey));
    const checkpoint = attempt('checkpoint', () => openCheckpoint(input.checkpoint, verifier));
    const established = [`checkpoint ${checkpoint.origin} at size ${checkpoint.size} (root ${encodeBase64(checkpoint.root)}) is signed by ${verifier.name}`];
    if (input.entry !== undefined) established.push(verifyEntry(input.entry, checkpoint));
    if (input.consistency !== undefined) established.push(verifyExtension(input.consistency, checkpoint, verifier));
    return { ok: true, summary: oneLine(established.join('; ')) };
  } catch (error) {
    if (error instanceof Failure) return { ok: false, reason: oneLine(error.message) };
    // Not an expected failure, so a bug; still a verdict, never a pass.
    return { ok: false, reason: oneLine(`unexpected error: ${(error as Error)?.message ?? String(error)}`) };
  }
}

function verifyEntry(response: unknown, checkpoint: Checkpoint): string {
  const { index, entry, leafHash: claimedLeafHash, treeSize, proof } = shape('entry file', EntryProofResponseSchema, response);
  const computed = leafHash(new TextEncoder().encode(entry));
  if (!equalHashes(computed, hashFrom(claimedLeafHash))) {
    throw new Failure(`entry: leafHash ${claimedLeafHash} does not match the entry, which hashes to ${encodeBase64(computed)}`);
  }
  const parsed = attempt('entry', () => parseEntryText(entry));
  if (treeSize !== checkpoint.size) {
    throw new Failure(`entry: the proof is for tree size ${treeSize}, but the checkpoint has size ${checkpoint.size}`);
  }
  try {
    verifyInclusion(index, treeSize, computed, proof.map(hashFrom), checkpoint.root);
  } catch (error) {
    if (error instanceof RootMismatchError) {
      throw new Failure(`inclusion proof does not verify: root mismatch (computed ${encodeBase64(error.computed)}, checkpoint has ${encodeBase64(error.expected)})`);
    }
    if (error instanceof LedgerProofError) throw new Failure(`inclusion proof does not verify: ${error.message}`);
    throw error;
  }
  return `entry ${index} (${parsed.type}) is included`;
}

function verifyExtension(consistency: { oldCheckpoint: string; proof: unknown }, checkpoint: Checkpoint, verifier: NoteVerifier): string {
  const old = attempt('old checkpoint', () => openCheckpoint(consistency.oldCheckpoint, verifier));
  const { from, to, proof } = shape('consistency file', ConsistencyProofResponseSchema, consistency.proof);
  if (old.origin !== checkpoint.origin) {
    throw new Failure(`old checkpoint is for origin ${old.origin}, but the checkpoint is for ${checkpoint.origin}`);
  }
  if (from !== old.size || to !== checkpoint.size) {
    throw new Failure(`consistency proof is from size ${from} to ${to}, but the checkpoints have sizes ${old.size} and ${checkpoint.size}`);
  }
  const hashes = proof.map(hashFrom);
  if (from === 0) {
    // Every tree extends the empty one; RFC 9162 defines no proof for it, so only an empty one is accepted.
    if (hashes.length !== 0) throw new Failure(`consistency proof does not verify: wrong proof size ${hashes.length}, want 0`);
    if (!equalHashes(old.root, EMPTY_ROOT)) throw new Failure('old checkpoint has size 0 but not the empty root');
    return `extends the empty checkpoint`;
  }
  try {
    verifyConsistency(from, to, hashes, old.root, checkpoint.root);
  } catch (error) {
    if (error instanceof LedgerProofError) throw new Failure(`consistency proof does not verify: ${error.message}`);
    throw error;
  }
  return `extends checkpoint at size ${old.size} (root ${encodeBase64(old.root)})`;
}

function text(subject: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Failure(`${subject} is not valid UTF-8`);
  }
}

function json(subject: string, bytes: Uint8Array): unknown {
  const content = text(subject, bytes);
  try {
    return JSON.parse(content);
  } catch (error) {
    throw new Failure(`${subject} is not JSON: ${(error as Error).message}`);
  }
}

/** A verification failure with its one-line reason. */
class Failure extends Error {
  override name = 'VerifyFailure';
}

/** Runs a step whose typed errors are reasons for failure, prefixed with what was being checked. */
function attempt<T>(subject: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof SignedNoteError || error instanceof EntryFormatError) throw new Failure(`${subject}: ${error.message}`);
    throw error;
  }
}

function shape<T>(subject: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue === undefined || issue.path.length === 0 ? '' : ` ${issue.path.join('.')}`;
  throw new Failure(`${subject}${path}: ${issue?.message ?? 'invalid'}`);
}

function hashFrom(base64: string): Hash {
  const hash = decodeBase64Strict(base64);
  if (hash === undefined) throw new Failure(`not a base64 hash: ${base64}`); // the schemas make this unreachable
  return hash;
}

function oneLine(text: string): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, ' ');
  return line.length > 1000 ? `${line.slice(0, 997)}...` : line;
}
