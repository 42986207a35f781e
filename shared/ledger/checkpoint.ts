/**
 * C2SP tlog-checkpoint note bodies (c2sp.org/tlog-checkpoint):
 *
 *     <origin>\n<tree size>\n<base64 root hash>\n[<extension line>\n]...
 *
 * Parsing is strict: one spelling per checkpoint, so that any changed byte is either rejected
 * here or changes what the signature covers.
 */
import type { Hash } from './hashing.ts';
import { CheckpointFormatError } from './note-errors.ts';
import { decodeBase64Strict, encodeBase64 } from './strict-base64.ts';

export type Checkpoint = { origin: string; size: number; root: Hash; extensions: string[] };

const ROOT_SIZE = 32;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
// Lines of a note never contain control characters (c2sp.org/signed-note "Format").
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/u;

/**
 * The note text of a checkpoint, final newline included.
 * Requires a non-empty origin, 0 <= size <= Number.MAX_SAFE_INTEGER, a 32-byte root and non-empty
 * extension lines, none containing a newline or other control character; throws CheckpointFormatError otherwise.
 */
export function encodeCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, root, extensions } = checkpoint;
  checkLine(origin, 'origin');
  if (!Number.isSafeInteger(size) || size < 0) throw new CheckpointFormatError(`tree size ${size} is not a non-negative safe integer`);
  if (root.length !== ROOT_SIZE) throw new CheckpointFormatError(`root hash is ${root.length} bytes, want ${ROOT_SIZE}`);
  extensions.forEach((line, i) => checkLine(line, `extension line ${i + 1}`));
  return [origin, String(size), encodeBase64(root), ...extensions].map((line) => `${line}\n`).join('');
}

/** Parses a checkpoint note text (as returned by openNote); throws CheckpointFormatError unless it is exactly what encodeCheckpoint writes. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new CheckpointFormatError('checkpoint does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new CheckpointFormatError(`checkpoint has ${lines.length} lines, want at least 3`);
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  checkLine(origin, 'origin');
  if (!DECIMAL.test(sizeText)) {
    throw new CheckpointFormatError(`tree size ${JSON.stringify(sizeText.slice(0, 40))} is not a decimal number without leading zeros`);
  }
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new CheckpointFormatError(`tree size ${sizeText.slice(0, 40)} is larger than 2^53 - 1`);
  const root = decodeBase64Strict(rootText);
  if (root === undefined) throw new CheckpointFormatError('root hash is not canonical base64');
  if (root.length !== ROOT_SIZE) throw new CheckpointFormatError(`root hash is ${root.length} bytes, want ${ROOT_SIZE}`);
  extensions.forEach((line, i) => checkLine(line, `extension line ${i + 1}`));
  return { origin, size, root, extensions };
}

function checkLine(line: string, what: string): void {
  if (line.length === 0) throw new CheckpointFormatError(`${what} is empty`);
  if (CONTROL_CHARACTER.test(line)) throw new CheckpointFormatError(`${what} contains a newline or control character`);
  if (!line.isWellFormed()) throw new CheckpointFormatError(`${what} is not well-formed Unicode`);
}
