import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VkeyFormatError } from '../../shared/ledger/note-errors.ts';
import { encodeVkey, NOTE_SIGNATURE_TYPE, noteKeyId, parseVkey, verifierFromVkey, vkeyFromSpki } from '../../shared/ledger/vkey.ts';

// golang.org/x/mod/sumdb/note (note_test.go, example in the package doc): the reference Ed25519 key.
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
// transparency-dev/formats note/note_verifier_test.go: Sigstore Rekor's ECDSA P-256 key as a type 0x02 vkey.
const REKOR_VKEY =
  'rekor.sigstore.dev+c0d23d6a+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvXwBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=';

function spki(algorithm: 'ed25519' | 'p256' | 'p384' | 'rsa'): Uint8Array {
  const { publicKey } =
    algorithm === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : algorithm === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 1024 })
        : generateKeyPairSync('ec', { namedCurve: algorithm === 'p256' ? 'P-256' : 'P-384' });
  return new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
}

/** "ok" if parseVkey accepts the candidate, "VkeyFormatError" if it rejects it as it should, else the unexpected error. */
function outcome(candidate: string): string {
  try {
    parseVkey(candidate);
    return 'ok';
  } catch (error) {
    return error instanceof VkeyFormatError ? 'VkeyFormatError' : String(error);
  }
}

describe('parseVkey', () => {
  it('reads the Go reference Ed25519 key', () => {
    // Act
    const parsed = parseVkey(GO_VKEY);

    // Assess
    expect(parsed.name).toBe('PeterNeumann');
    expect(parsed.type).toBe(NOTE_SIGNATURE_TYPE.ed25519);
    expect(parsed.publicKey).toHaveLength(32);
    expect(Buffer.from(parsed.keyId).toString('hex')).toBe('c74f20a3');
  });

  it('reads an ECDSA P-256 key whose id is the SHA-256 of its SPKI, as transparency-dev/formats and Rekor have it', () => {
    // Act
    const parsed = parseVkey(REKOR_VKEY);

    // Assess
    expect(parsed.type).toBe(NOTE_SIGNATURE_TYPE.ecdsaP256);
    expect(parsed.publicKey).toHaveLength(91);
    expect(Buffer.from(parsed.keyId).toString('hex')).toBe(createHash('sha256').update(parsed.publicKey).digest('hex').slice(0, 8));
    expect(Buffer.from(parsed.keyId).toString('hex')).toBe('c0d23d6a');
  });

  it('rejects every proper substring of a valid key (as the Go reference test does)', () => {
    // Prepare
    const candidates: string[] = [];
    for (let begin = 0; begin < GO_VKEY.length; begin++) {
      for (let end = begin + 1; end <= GO_VKEY.length; end++) {
        if (begin !== 0 || end !== GO_VKEY.length) candidates.push(GO_VKEY.slice(begin, end));
      }
    }

    // Act
    const accepted = candidates.filter((candidate) => outcome(candidate) !== 'VkeyFormatError');

    // Assess
    expect(candidates.length).toBeGreaterThan(2000);
    expect(accepted).toEqual([]);
  });

  // A type 0x02 key id hashes only the SPKI, not the name, so renaming such a key gives another valid
  // vkey (for a differently named key); every other position must be covered by the key id.
  it.each([
    ['Ed25519, every position', GO_VKEY, 0],
    ['ECDSA P-256, every position after the name', REKOR_VKEY, REKOR_VKEY.indexOf('+')],
  ])('rejects every single-character change of a valid key (%s)', (_, vkey, from) => {
    // Prepare
    const candidates = Array.from({ length: vkey.length - from }, (_, offset) => {
      const i = from + offset;
      return vkey.slice(0, i) + String.fromCharCode(vkey.charCodeAt(i) + 1) + vkey.slice(i + 1);
    });

    // Act
    const accepted = candidates.filter((candidate) => outcome(candidate) !== 'VkeyFormatError');

    // Assess
    expect(accepted).toEqual([]);
  });

  it.each([
    ['a wrong key id', 'PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', /does not match/],
    ['a key id of 7 digits', 'PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', /8 hex digits/],
    ['a space in the name', 'Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', /invalid key name/],
    ['an empty name', '+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', /invalid key name/],
    ['unpadded base64', 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T', /base64/],
    ['no key material', 'PeterNeumann+c74f20a3', /look like/],
    ['an unsupported type', 'x+00000000+BRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', /unsupported signature type 0x05/],
  ])('rejects %s', (_, vkey, message) => {
    // Act
    const act = () => parseVkey(vkey);

    // Assess
    expect(act).toThrow(VkeyFormatError);
    expect(act).toThrow(message);
  });

  it('rejects an Ed25519 key of 31 bytes even with a matching key id', () => {
    // Prepare
    const publicKey = new Uint8Array(31).fill(7);
    const material = Buffer.concat([Buffer.of(1), publicKey]).toString('base64');
    const vkey = `short+${Buffer.from(noteKeyId('short', 1, publicKey)).toString('hex')}+${material}`;

    // Act
    const act = () => parseVkey(vkey);

    // Assess
    expect(act).toThrow(/31 bytes, want 32/);
  });
});

describe('encodeVkey and vkeyFromSpki', () => {
  it('encodes an Ed25519 key as the Go reference does', () => {
    // Prepare
    const { name, publicKey } = parseVkey(GO_VKEY);

    // Act
    const vkey = encodeVkey(name, NOTE_SIGNATURE_TYPE.ed25519, publicKey);

    // Assess
    expect(vkey).toBe(GO_VKEY);
  });

  it('turns an Ed25519 SubjectPublicKeyInfo into a type 0x01 key with the raw 32-byte public key', () => {
    // Prepare
    const der = spki('ed25519');

    // Act
    const parsed = parseVkey(vkeyFromSpki('example.com/log', der));

    // Assess
    expect(parsed.type).toBe(0x01);
    expect(Buffer.from(parsed.publicKey).equals(Buffer.from(der.subarray(der.length - 32)))).toBe(true);
    expect(parsed.keyId).toEqual(noteKeyId('example.com/log', 0x01, parsed.publicKey));
  });

  it('turns a P-256 SubjectPublicKeyInfo into a type 0x02 key holding that SPKI', () => {
    // Prepare
    const der = spki('p256');

    // Act
    const parsed = parseVkey(vkeyFromSpki('example.com/log', der));

    // Assess
    expect(parsed.type).toBe(0x02);
    expect(parsed.publicKey).toEqual(der);
  });

  it.each(['p384', 'rsa'] as const)('refuses a %s key', (algorithm) => {
    // Act
    const act = () => vkeyFromSpki('example.com/log', spki(algorithm));

    // Assess
    expect(act).toThrow(VkeyFormatError);
    expect(act).toThrow(/want Ed25519 or ECDSA P-256/);
  });

  it('refuses bytes that are not a SubjectPublicKeyInfo', () => {
    // Act
    const act = () => vkeyFromSpki('example.com/log', new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));

    // Assess
    expect(act).toThrow(VkeyFormatError);
  });

  it('refuses a key name with a plus sign', () => {
    // Act
    const act = () => vkeyFromSpki('a+b', spki('ed25519'));

    // Assess
    expect(act).toThrow(/invalid key name/);
  });
});

describe('verifierFromVkey', () => {
  it('carries the name and key id of the vkey', () => {
    // Act
    const verifier = verifierFromVkey(REKOR_VKEY);

    // Assess
    expect(verifier.name).toBe('rekor.sigstore.dev');
    expect(Buffer.from(verifier.keyId).toString('hex')).toBe('c0d23d6a');
  });

  it('returns false, not an exception, for a signature that cannot be parsed', () => {
    // Prepare
    const verifiers = [verifierFromVkey(GO_VKEY), verifierFromVkey(REKOR_VKEY)];

    // Act
    const results = verifiers.map((verifier) => verifier.verify(new Uint8Array([1, 2, 3]), new Uint8Array([0x30, 0xff, 0x00])));

    // Assess
    expect(results).toEqual([false, false]);
  });
});
