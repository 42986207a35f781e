import { describe, expect, it } from 'vitest';
import { encodeCheckpoint, parseCheckpoint, type Checkpoint } from '../../shared/ledger/checkpoint.ts';
import { CheckpointFormatError, UnverifiedNoteError } from '../../shared/ledger/note-errors.ts';
import { openCheckpoint, signCheckpoint, signNote, verifierFromVkey } from '../../shared/ledger/note.ts';
import { testSigner } from './test-signer.ts';

// c2sp.org/tlog-checkpoint: the example checkpoint body.
const SPEC_BODY = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const ROOT = Buffer.from('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'base64');

describe('parseCheckpoint and encodeCheckpoint', () => {
  it('parses the tlog-checkpoint spec example', () => {
    // Act
    const checkpoint = parseCheckpoint(SPEC_BODY);

    // Assess
    expect(checkpoint.origin).toBe('example.com/behind-the-sofa');
    expect(checkpoint.size).toBe(20852163);
    expect(Buffer.from(checkpoint.root).equals(ROOT)).toBe(true);
    expect(checkpoint.extensions).toEqual([]);
  });

  it('writes exactly the text it parses, extension lines included', () => {
    // Prepare
    const body = `${SPEC_BODY}first extension\n— second, with a dash\n`;

    // Act
    const written = encodeCheckpoint(parseCheckpoint(body));

    // Assess
    expect(written).toBe(body);
  });

  it('round-trips size 0 and the largest safe size', () => {
    // Prepare
    const checkpoints: Checkpoint[] = [0, Number.MAX_SAFE_INTEGER].map((size) => ({ origin: 'o', size, root: new Uint8Array(32), extensions: [] }));

    // Act
    const parsed = checkpoints.map((checkpoint) => parseCheckpoint(encodeCheckpoint(checkpoint)));

    // Assess
    expect(parsed).toEqual(checkpoints);
  });

  const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
  it.each([
    ['a leading zero in the size', `o\n01\n${root}\n`],
    ['a negative size', `o\n-1\n${root}\n`],
    ['a plus sign in the size', `o\n+1\n${root}\n`],
    ['a space before the size', `o\n 1\n${root}\n`],
    ['a decimal point in the size', `o\n1.0\n${root}\n`],
    ['an exponent in the size', `o\n1e3\n${root}\n`],
    ['a hexadecimal size', `o\n0x10\n${root}\n`],
    ['an empty size', `o\n\n${root}\n`],
    ['a size above 2^53 - 1', `o\n9007199254740992\n${root}\n`],
    ['non-canonical base64 in the root (padding bits set)', `o\n1\n${root.replace('2I=', '2J=')}\n`],
    ['unpadded base64 in the root', `o\n1\n${root.slice(0, -1)}\n`],
    ['URL-safe base64 in the root', `o\n1\n${root.replace('/', '_')}\n`],
    ['a 31-byte root', `o\n1\n${Buffer.alloc(31).toString('base64')}\n`],
    ['a 33-byte root', `o\n1\n${Buffer.alloc(33).toString('base64')}\n`],
    ['no final newline', `o\n1\n${root}`],
    ['only two lines', `o\n1\n`],
    ['an empty origin', `\n1\n${root}\n`],
    ['an empty extension line', `o\n1\n${root}\n\n`],
    ['a carriage return', `o\r\n1\n${root}\n`],
  ])('rejects %s', (_, text) => {
    // Act
    const act = () => parseCheckpoint(text);

    // Assess
    expect(act).toThrow(CheckpointFormatError);
  });

  it.each([
    ['a negative size', { size: -1 }],
    ['a fractional size', { size: 1.5 }],
    ['an unsafe size', { size: 2 ** 53 }],
    ['a 31-byte root', { root: new Uint8Array(31) }],
    ['an origin with a newline', { origin: 'a\nb' }],
    ['an empty extension line', { extensions: [''] }],
  ])('refuses to write %s', (_, change) => {
    // Prepare
    const checkpoint = { origin: 'o', size: 1, root: new Uint8Array(32), extensions: [], ...change };

    // Act
    const act = () => encodeCheckpoint(checkpoint);

    // Assess
    expect(act).toThrow(CheckpointFormatError);
  });
});

describe('signCheckpoint and openCheckpoint', () => {
  it.each(['ed25519', 'ecdsa-p256'] as const)('round-trip a signed checkpoint (%s)', async (algorithm) => {
    // Prepare
    const signer = testSigner({ algorithm });
    const checkpoint: Checkpoint = { origin: signer.keyName, size: 42, root: new Uint8Array(ROOT), extensions: ['ext'] };

    // Act
    const opened = openCheckpoint(await signCheckpoint(checkpoint, signer), verifierFromVkey(signer.vkey));

    // Assess
    expect(opened).toEqual(checkpoint);
  });

  it('rejects a checkpoint signed by another key of the same name', async () => {
    // Prepare
    const signer = testSigner();
    const impostor = testSigner();
    const note = await signCheckpoint({ origin: signer.keyName, size: 1, root: new Uint8Array(ROOT), extensions: [] }, impostor);

    // Act
    const act = () => openCheckpoint(note, verifierFromVkey(signer.vkey));

    // Assess
    expect(act).toThrow(UnverifiedNoteError);
  });

  it('rejects a validly signed note whose text is not a checkpoint', async () => {
    // Prepare
    const signer = testSigner();
    const note = await signNote('just one line\n', [signer]);

    // Act
    const act = () => openCheckpoint(note, verifierFromVkey(signer.vkey));

    // Assess
    expect(act).toThrow(CheckpointFormatError);
  });
});
