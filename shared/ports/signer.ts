/**
 * The Signer port: whatever holds the log's private key and signs checkpoints.
 *
 * Adapters: a local PKCS#8 key file (shared/adapters/local-signer.ts) and, in AWS, a KMS
 * asymmetric key. The journal core only ever sees this interface, so the private key never
 * has to live in the process that integrates the tree.
 *
 * Contract:
 * - `keyName`, `keyId` and `vkey` describe one and the same key, as in C2SP signed-note
 *   (c2sp.org/signed-note): `vkey` is "<keyName>+<hex keyId>+<base64(type || public key)>",
 *   and `verifierFromVkey(vkey)` from shared/ledger/vkey.ts must accept every signature
 *   `sign` produces. They never change for the lifetime of the signer.
 * - `keyName` is a valid note key name: non-empty, no Unicode spaces, no "+". It is usually
 *   the log origin (tlog-checkpoint says the log's key name SHOULD match the origin line).
 * - `keyId` is exactly 4 bytes.
 * - `sign(message)` signs exactly the given bytes (the note text, final newline included):
 *   - Ed25519 (note type 0x01): the 64-byte RFC 8032 signature of `message` itself;
 *   - ECDSA P-256 (note type 0x02): an ASN.1 DER signature over SHA-256(message).
 *   It either resolves with a signature that verifies, or rejects; it never resolves with
 *   bytes that do not verify. It may be called concurrently.
 * - Signing has no other side effect the caller must know about: the log itself is
 *   responsible for never signing two inconsistent checkpoints.
 */
export interface CheckpointSigner {
  readonly keyName: string; // the note key name (usually the log origin)
  readonly keyId: Uint8Array; // 4 bytes, per C2SP signed-note
  readonly vkey: string; // the C2SP verifier key string
  sign(message: Uint8Array): Promise<Uint8Array>; // Ed25519: 64-byte signature; ECDSA P-256: DER signature over SHA-256(message)
}
