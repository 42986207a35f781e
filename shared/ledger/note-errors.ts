/**
 * Typed errors of the signed-note layer (c2sp.org/signed-note, c2sp.org/tlog-checkpoint).
 *
 * Messages are one line, say what was wrong, and quote at most short, non-secret fragments, so
 * the CLI can print them as they are.
 */

/** Base class: something about a note, a verifier key or a checkpoint is wrong. */
export class SignedNoteError extends Error {
  override name = 'SignedNoteError';
}

/** A note is not well formed (C2SP signed-note "Format"). */
export class NoteFormatError extends SignedNoteError {
  override name = 'NoteFormatError';
}

/** A verifier key string ("<name>+<hex key id>+<base64(type || public key)>") is not valid. */
export class VkeyFormatError extends SignedNoteError {
  override name = 'VkeyFormatError';
}

/** A signature by a known key (same name and key id) does not verify: the note is rejected. */
export class NoteSignatureError extends SignedNoteError {
  override name = 'NoteSignatureError';
  readonly keyName: string;
  readonly keyId: Uint8Array;
  constructor(keyName: string, keyId: Uint8Array) {
    super(`invalid signature for key ${keyName}+${Buffer.from(keyId).toString('hex')}`);
    this.keyName = keyName;
    this.keyId = keyId;
  }
}

/** A well-formed note carries no signature from any known key. */
export class UnverifiedNoteError extends SignedNoteError {
  override name = 'UnverifiedNoteError';
  /** "name+hexkeyid" of each signature that was present but from an unknown key. */
  readonly unknownSignatures: readonly string[];
  constructor(unknownSignatures: readonly string[]) {
    const found = unknownSignatures.length === 0 ? '' : `; found signatures by unknown keys ${unknownSignatures.join(', ')}`;
    super(`no signature from a known key${found}`);
    this.unknownSignatures = unknownSignatures;
  }
}

/** A checkpoint body is not a well-formed C2SP tlog-checkpoint. */
export class CheckpointFormatError extends SignedNoteError {
  override name = 'CheckpointFormatError';
}
