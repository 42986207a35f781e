import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { localSignerFromPem } from '../../shared/adapters/local-signer.ts';
import { NoteFormatError, NoteSignatureError, SignedNoteError, UnverifiedNoteError } from '../../shared/ledger/note-errors.ts';
import { openNote, signNote, verifierFromVkey } from '../../shared/ledger/note.ts';
import { parseVkey } from '../../shared/ledger/vkey.ts';
import type { CheckpointSigner } from '../../shared/ports/signer.ts';
import { testSigner } from './test-signer.ts';

// c2sp.org/signed-note, the example at the top of the spec, byte for byte. The spec publishes no
// verifier key for it (searched: the C2SP repository, its history, and implementations quoting it),
// so it can be checked for form and key id but not cryptographically; the Go reference example
// below, from the implementation the spec was written from, has its key and is checked fully.
const C2SP_EXAMPLE_TEXT = 'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n';
const C2SP_EXAMPLE_NOTE = `${C2SP_EXAMPLE_TEXT}\n— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n`;

// golang.org/x/mod/sumdb/note: package documentation and note_test.go.
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIGNATURE_LINE = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const GO_NOTE = `${GO_TEXT}\n${GO_SIGNATURE_LINE}`;

// transparency-dev/formats note/note_verifier_test.go: a real Sigstore Rekor checkpoint, ECDSA P-256 (type 0x02).
const REKOR_VKEY =
  'rekor.sigstore.dev+c0d23d6a+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvXwBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=';
const REKOR_NOTE =
  'Rekor\n798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n— rekor.sigstore.dev wNI9ajBEAiARInWIWyCdyG27CO6LPnPekyw20qO0YJfoaPaowGp/XgIgc+qEHS3+GKVClgqq20uDLet7MCoTURUCRdxwWBHHufk=\n';

/** The Go reference signer key ("PRIVATE+KEY+<name>+<id>+base64(0x01 || seed)") as a local signer. */
function goReferenceSigner(): CheckpointSigner {
  const seed = Buffer.from(GO_SKEY.split('+').slice(4).join('+'), 'base64').subarray(1);
  const publicKey = parseVkey(GO_VKEY).publicKey;
  const key = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  });
  return localSignerFromPem({ pem: key.export({ format: 'pem', type: 'pkcs8' }).toString(), keyName: 'PeterNeumann' });
}

function signatureLine(name: string, keyIdHex: string, signature: Uint8Array): string {
  return `— ${name} ${Buffer.concat([Buffer.from(keyIdHex, 'hex'), signature]).toString('base64')}\n`;
}

describe('the published examples', () => {
  it('reads the C2SP spec example: text up to the last blank line, one signature by quasimodo.example/salvatore+367ba04b', () => {
    // Act
    const act = () => openNote(C2SP_EXAMPLE_NOTE, [verifierFromVkey(GO_VKEY)]);

    // Assess: well formed, but signed by a key we do not know, so rejected as unverified, naming it.
    expect(act).toThrow(UnverifiedNoteError);
    expect(act).toThrow('quasimodo.example/salvatore+367ba04b');
  });

  it('verifies the Go reference Ed25519 note', () => {
    // Act
    const opened = openNote(GO_NOTE, [verifierFromVkey(GO_VKEY)]);

    // Assess
    expect(opened).toEqual({ text: GO_TEXT, verifiedBy: ['PeterNeumann'] });
  });

  it('reproduces the Go reference note byte for byte with the reference private key', async () => {
    // Act
    const note = await signNote(GO_TEXT, [goReferenceSigner()]);

    // Assess: Ed25519 is deterministic, so equal bytes mean the same key id, message and encoding.
    expect(note).toBe(GO_NOTE);
  });

  it('verifies a real Rekor checkpoint signed with ECDSA P-256 (type 0x02)', () => {
    // Act
    const opened = openNote(REKOR_NOTE, [verifierFromVkey(REKOR_VKEY)]);

    // Assess
    expect(opened.verifiedBy).toEqual(['rekor.sigstore.dev']);
    expect(opened.text).toBe('Rekor\n798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n');
  });

  it.each([
    ['Go, one changed letter', GO_NOTE.replace('cryptography', 'cryptographY'), GO_VKEY],
    ['Rekor, one changed digit', REKOR_NOTE.replace('798034', '798035'), REKOR_VKEY],
  ])('rejects a changed text (%s)', (_, note, vkey) => {
    // Act
    const act = () => openNote(note, [verifierFromVkey(vkey)]);

    // Assess
    expect(act).toThrow(NoteSignatureError);
  });
});

describe('openNote signature rules (C2SP signed-note "Signatures")', () => {
  it('ignores signatures from unknown keys, including ones sharing only the name or only the key id', () => {
    // Prepare
    const junk = new Uint8Array(64).fill(9);
    const note =
      `${GO_TEXT}\n` +
      signatureLine('PeterNeumann', '00000000', junk) + // same name, other id
      signatureLine('SomeoneElse', 'c74f20a3', junk) + // same id, other name
      GO_SIGNATURE_LINE;

    // Act
    const opened = openNote(note, [verifierFromVkey(GO_VKEY)]);

    // Assess
    expect(opened.verifiedBy).toEqual(['PeterNeumann']);
  });

  it('rejects the whole note when a known key signature fails, even if another known key verifies', async () => {
    // Prepare
    const other = testSigner({ keyName: 'other.example/key' });
    const signed = await signNote(GO_TEXT, [other]);
    const note = `${signed}${signatureLine('PeterNeumann', 'c74f20a3', new Uint8Array(64))}`;

    // Act
    const act = () => openNote(note, [verifierFromVkey(GO_VKEY), verifierFromVkey(other.vkey)]);

    // Assess
    expect(act).toThrow(NoteSignatureError);
    expect(act).toThrow('invalid signature for key PeterNeumann+c74f20a3');
  });

  it('reports every verifying known key, once each, in note order', async () => {
    // Prepare
    const first = testSigner({ keyName: 'first.example' });
    const second = testSigner({ keyName: 'second.example', algorithm: 'ecdsa-p256' });
    const note = await signNote('hello\n', [first, second]);
    const repeated = `${note}${note.split('\n\n')[1]?.split('\n')[0]}\n`;

    // Act
    const opened = openNote(repeated, [verifierFromVkey(second.vkey), verifierFromVkey(first.vkey)]);

    // Assess
    expect(opened.verifiedBy).toEqual(['first.example', 'second.example']);
  });

  it('rejects a note no known key signed', () => {
    // Act
    const act = () => openNote(GO_NOTE, [verifierFromVkey(REKOR_VKEY)]);

    // Assess
    expect(act).toThrow(UnverifiedNoteError);
    expect(act).toThrow('no signature from a known key; found signatures by unknown keys PeterNeumann+c74f20a3');
  });

  it('rejects an ambiguous trust list: two verifiers with the same name and key id', () => {
    // Act
    const act = () => openNote(GO_NOTE, [verifierFromVkey(GO_VKEY), verifierFromVkey(GO_VKEY)]);

    // Assess
    expect(act).toThrow(SignedNoteError);
    expect(act).toThrow(/ambiguous key/);
  });

  it('accepts 100 signature lines and rejects 101', () => {
    // Prepare
    const unknown = signatureLine('unknown.example', '01020304', new Uint8Array(64));
    const hundred = `${GO_TEXT}\n${unknown.repeat(99)}${GO_SIGNATURE_LINE}`;
    const hundredAndOne = `${GO_TEXT}\n${unknown.repeat(100)}${GO_SIGNATURE_LINE}`;
    const verifiers = [verifierFromVkey(GO_VKEY)];

    // Act
    const opened = openNote(hundred, verifiers);
    const act = () => openNote(hundredAndOne, verifiers);

    // Assess
    expect(opened.verifiedBy).toEqual(['PeterNeumann']);
    expect(act).toThrow(NoteFormatError);
  });
});

describe('openNote format rules (C2SP signed-note "Format")', () => {
  const sig = GO_SIGNATURE_LINE.slice(0, -1);
  it.each([
    ['no blank line before the signatures', `${GO_TEXT}${GO_SIGNATURE_LINE}`],
    ['no final newline', `${GO_TEXT}\n${sig}`],
    ['no signature lines', `${GO_TEXT}\n`],
    ['a signature line without the em dash', `${GO_TEXT}\n${sig.replace('—', '-')}\n`],
    ['a signature line with two spaces after the name', `${GO_TEXT}\n${sig.replace('PeterNeumann ', 'PeterNeumann  ')}\n`],
    ['a signature line without a signature', `${GO_TEXT}\n— PeterNeumann\n`],
    ['non-canonical base64 in a signature (padding bits set)', `${GO_TEXT}\n${sig.replace('JnAM=', 'JnAN=')}\n`],
    ['unpadded base64 in a signature', `${GO_TEXT}\n${sig.replace('JnAM=', 'JnAM')}\n`],
    ['a signature of only a key id', `${GO_TEXT}\n— PeterNeumann x08go/w==\n`],
    ['a carriage return', GO_NOTE.replace('problem,\n', 'problem,\r\n')],
    ['a tab', GO_NOTE.replace(' the answer', '\tthe answer')],
    ['a lone surrogate', GO_NOTE.replace('If', 'I\ud800f')],
    ['a key name with a non-breaking space', `${GO_TEXT}\n${sig.replace('PeterNeumann', 'Peter\u00a0Neumann')}\n`],
  ])('rejects %s', (_, note) => {
    // Act
    const act = () => openNote(note, [verifierFromVkey(GO_VKEY)]);

    // Assess
    expect(act).toThrow(NoteFormatError);
  });

  it('separates text and signatures at the last blank line, so the text may contain blank lines', async () => {
    // Prepare
    const signer = testSigner({ keyName: 'poet.example' });
    const note = await signNote(C2SP_EXAMPLE_TEXT, [signer]);

    // Act
    const opened = openNote(note, [verifierFromVkey(signer.vkey)]);

    // Assess
    expect(opened.text).toBe(C2SP_EXAMPLE_TEXT);
  });
});

describe('signNote', () => {
  it.each(['ed25519', 'ecdsa-p256'] as const)('writes one line per signer that verifies (%s)', async (algorithm) => {
    // Prepare
    const signer = testSigner({ algorithm, keyName: 'log.example/a' });

    // Act
    const note = await signNote('body\n', [signer]);

    // Assess
    expect(note).toMatch(/^body\n\n— log\.example\/a [A-Za-z0-9+/]+=*\n$/);
    expect(openNote(note, [verifierFromVkey(signer.vkey)]).verifiedBy).toEqual(['log.example/a']);
  });

  it.each([
    ['text without a final newline', 'body'],
    ['text with a control character', 'bo\u0007dy\n'],
  ])('refuses %s', async (_, text) => {
    // Act
    const act = signNote(text, [testSigner()]);

    // Assess
    await expect(act).rejects.toThrow(NoteFormatError);
  });

  it('refuses to sign with no signer', async () => {
    // Act
    const act = signNote('body\n', []);

    // Assess
    await expect(act).rejects.toThrow(/at least one signature/);
  });

  it('refuses a signer whose signature does not verify under its own vkey', async () => {
    // Prepare
    const honest = testSigner();
    const broken: CheckpointSigner = { ...honest, keyName: honest.keyName, sign: async () => new Uint8Array(64) };

    // Act
    const act = signNote('body\n', [broken]);

    // Assess
    await expect(act).rejects.toThrow(NoteSignatureError);
  });

  it('refuses a signer whose key id does not match its vkey', async () => {
    // Prepare
    const honest = testSigner();
    const mislabelled: CheckpointSigner = { keyName: honest.keyName, keyId: new Uint8Array([1, 2, 3, 4]), vkey: honest.vkey, sign: honest.sign };

    // Act
    const act = signNote('body\n', [mislabelled]);

    // Assess
    await expect(act).rejects.toThrow(/does not match its own vkey/);
  });

  it('refuses the same key twice', async () => {
    // Prepare
    const signer = testSigner();

    // Act
    const act = signNote('body\n', [signer, signer]);

    // Assess
    await expect(act).rejects.toThrow(/signs twice/);
  });
});
