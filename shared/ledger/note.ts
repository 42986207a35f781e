/**
 * C2SP signed notes (c2sp.org/signed-note): a text ending in a newline, a blank line, then one or
 * more lines "— <key name> <base64(4-byte key id || signature)>".
 *
 * Opening follows the spec and its reference implementation (golang.org/x/mod/sumdb/note):
 * - a note must be well-formed Unicode with no control character other than newline, and the text
 *   is separated from the signatures by the LAST blank line;
 * - signatures from unknown keys (name and key id not both known) are ignored;
 * - a signature from a known key that does not verify rejects the whole note;
 * - a note with no verified signature from a known key is rejected;
 * - more than 100 signature lines is malformed (a bound on work, as in the reference).
 */
import type { CheckpointSigner } from '../ports/signer.ts';
import { encodeCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint.ts';
import { NoteFormatError, NoteSignatureError, SignedNoteError, UnverifiedNoteError } from './note-errors.ts';
import { decodeBase64Strict, encodeBase64 } from './strict-base64.ts';
import { isValidKeyName, verifierFromVkey, type NoteVerifier } from './vkey.ts';

export { verifierFromVkey, type NoteVerifier } from './vkey.ts';

/** The most signature lines a note may carry. */
export const MAX_NOTE_SIGNATURES = 100;

const SIGNATURE_PREFIX = '\u2014 '; // em dash, space
const KEY_ID_SIZE = 4;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_CHARACTER = /[\u0000-\u0009\u000b-\u001f]/u; // every ASCII control character except newline

/**
 * Signs `text` with each signer, in order, and returns the note.
 * Requires `text` to end with a newline and to contain no control character other than newline,
 * and 1..100 signers with distinct (name, key id). Each signature is checked against the signer's
 * own vkey before the note is returned, so a misbehaving signer can never publish a note that does
 * not verify.
 */
export async function signNote(text: string, signers: readonly CheckpointSigner[]): Promise<string> {
  checkCharacters(text);
  if (!text.endsWith('\n')) throw new NoteFormatError('note text does not end with a newline');
  if (signers.length === 0) throw new NoteFormatError('a note needs at least one signature');
  if (signers.length > MAX_NOTE_SIGNATURES) throw new NoteFormatError(`${signers.length} signers, at most ${MAX_NOTE_SIGNATURES}`);
  const message = new TextEncoder().encode(text);
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const signer of signers) {
    const label = keyLabel(signer.keyName, signer.keyId);
    if (!isValidKeyName(signer.keyName)) throw new NoteFormatError(`invalid key name ${JSON.stringify(signer.keyName)}`);
    if (signer.keyId.length !== KEY_ID_SIZE) throw new NoteFormatError(`key id of ${signer.keyName} is ${signer.keyId.length} bytes, want ${KEY_ID_SIZE}`);
    if (seen.has(label)) throw new NoteFormatError(`key ${label} signs twice`);
    seen.add(label);
    const verifier = verifierFromVkey(signer.vkey);
    if (keyLabel(verifier.name, verifier.keyId) !== label) {
      throw new SignedNoteError(`signer ${label} does not match its own vkey ${keyLabel(verifier.name, verifier.keyId)}`);
    }
    const signature = await signer.sign(message);
    if (!verifier.verify(message, signature)) throw new NoteSignatureError(signer.keyName, signer.keyId);
    const blob = new Uint8Array(KEY_ID_SIZE + signature.length);
    blob.set(signer.keyId);
    blob.set(signature, KEY_ID_SIZE);
    lines.push(`${SIGNATURE_PREFIX}${signer.keyName} ${encodeBase64(blob)}\n`);
  }
  return `${text}\n${lines.join('')}`;
}

/**
 * Opens a signed note: returns its text and the names of the known keys whose signatures verified.
 * Throws NoteFormatError when malformed, NoteSignatureError when a known key's signature fails,
 * UnverifiedNoteError when no known key signed it, and SignedNoteError when two verifiers share a
 * name and key id (an ambiguous trust configuration).
 */
export function openNote(note: string, verifiers: readonly NoteVerifier[]): { text: string; verifiedBy: string[] } {
  checkCharacters(note);
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteFormatError('note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block.length === 0) throw new NoteFormatError('note has no signature lines');
  if (!block.endsWith('\n')) throw new NoteFormatError('note does not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw new NoteFormatError(`note has ${lines.length} signature lines, at most ${MAX_NOTE_SIGNATURES}`);

  const known = new Map<string, NoteVerifier[]>();
  for (const verifier of verifiers) {
    const label = keyLabel(verifier.name, verifier.keyId);
    known.set(label, [...(known.get(label) ?? []), verifier]);
  }
  const message = new TextEncoder().encode(text);
  const verified = new Set<string>();
  const verifiedBy: string[] = [];
  const unknown = new Set<string>();
  lines.forEach((line, i) => {
    const { name, keyId, signature } = parseSignatureLine(line, i + 1);
    const label = keyLabel(name, keyId);
    const candidates = known.get(label);
    if (candidates === undefined) {
      unknown.add(label);
      return;
    }
    if (candidates.length > 1) throw new SignedNoteError(`ambiguous key ${label}: ${candidates.length} verifiers share its name and key id`);
    if (verified.has(label)) return; // a repeated signature by one key adds nothing
    if (!(candidates[0] as NoteVerifier).verify(message, signature)) throw new NoteSignatureError(name, keyId);
    verified.add(label);
    verifiedBy.push(name);
  });
  if (verifiedBy.length === 0) throw new UnverifiedNoteError([...unknown]);
  return { text, verifiedBy };
}

/** Signs a checkpoint body with one signer. Key name and origin SHOULD be equal (tlog-checkpoint); not enforced. */
export function signCheckpoint(checkpoint: Checkpoint, signer: CheckpointSigner): Promise<string> {
  return signNote(encodeCheckpoint(checkpoint), [signer]);
}

/** Opens a signed checkpoint note with one trusted verifier and parses its body; throws the errors of openNote and parseCheckpoint. */
export function openCheckpoint(note: string, verifier: NoteVerifier): Checkpoint {
  return parseCheckpoint(openNote(note, [verifier]).text);
}

function parseSignatureLine(line: string, lineNumber: number): { name: string; keyId: Uint8Array; signature: Uint8Array } {
  if (!line.startsWith(SIGNATURE_PREFIX)) throw new NoteFormatError(`signature line ${lineNumber} does not start with "— "`);
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  if (!isValidKeyName(name)) throw new NoteFormatError(`signature line ${lineNumber} has an invalid key name`);
  const blob = space < 0 ? undefined : decodeBase64Strict(rest.slice(space + 1));
  if (blob === undefined) throw new NoteFormatError(`signature line ${lineNumber} does not end in canonical base64`);
  if (blob.length <= KEY_ID_SIZE) throw new NoteFormatError(`signature line ${lineNumber} is ${blob.length} bytes, want a key id and a signature`);
  return { name, keyId: blob.subarray(0, KEY_ID_SIZE), signature: blob.subarray(KEY_ID_SIZE) };
}

function checkCharacters(note: string): void {
  if (!note.isWellFormed()) throw new NoteFormatError('note is not well-formed Unicode');
  if (FORBIDDEN_CHARACTER.test(note)) throw new NoteFormatError('note contains a control character other than newline');
}

function keyLabel(name: string, keyId: Uint8Array): string {
  return `${name}+${Buffer.from(keyId).toString('hex')}`;
}
