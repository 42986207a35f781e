import { GetPublicKeyCommand, SignCommand, type KMSClient, type SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import { NOTE_SIGNATURE_TYPE, parseVkey, verifierFromVkey, vkeyFromSpki } from '../ledger/vkey.ts';
import type { CheckpointSigner } from '../ports/signer.ts';

/**
 * A CheckpointSigner over a KMS asymmetric key (ARCHITECTURE.md D1), which never leaves KMS:
 * - ECC_NIST_EDWARDS25519: note type 0x01, KMS Sign with ED25519_SHA_512 over the RAW message,
 *   which is plain RFC 8032 Ed25519 (the pre-hashed variant, ED25519_PH_SHA_512, would not verify);
 * - ECC_NIST_P256: note type 0x02, ECDSA_SHA_256 over the RAW message: KMS hashes with SHA-256 and
 *   returns the DER signature, exactly what type 0x02 wants.
 *
 * The public key, and with it the vkey and key id, is read once from KMS GetPublicKey, hence the
 * async factory. Signing then uses the key's ARN as GetPublicKey reported it, not the id given:
 * if that was an alias and the alias is later moved, this signer keeps signing with the key its
 * vkey describes. Each signature is checked against the vkey before it is returned.
 */
export async function createKmsSigner(options: { kms: KMSClient; keyId: string; noteKeyName: string }): Promise<CheckpointSigner> {
  const publicKey = await options.kms.send(new GetPublicKeyCommand({ KeyId: options.keyId }));
  // CustomerMasterKeySpec is the deprecated name of the same field; moto still sends only that.
  const keySpec = publicKey.KeySpec ?? publicKey.CustomerMasterKeySpec ?? '';
  const spec = KEY_SPECS.get(keySpec);
  if (spec === undefined) {
    throw new UnsupportedSigningKeyError(options.keyId, `key spec is ${keySpec || 'missing'}, want ${[...KEY_SPECS.keys()].join(' or ')}`);
  }
  if (publicKey.KeyUsage !== 'SIGN_VERIFY') {
    throw new UnsupportedSigningKeyError(options.keyId, `key usage is ${publicKey.KeyUsage ?? 'missing'}, want SIGN_VERIFY`);
  }
  if (!publicKey.PublicKey || !publicKey.KeyId) {
    throw new UnsupportedSigningKeyError(options.keyId, 'GetPublicKey returned no public key or key id');
  }
  const vkey = vkeyFromSpki(options.noteKeyName, publicKey.PublicKey);
  const { keyId, type } = parseVkey(vkey);
  if (type !== spec.noteType) {
    throw new UnsupportedSigningKeyError(options.keyId, `public key is of note type ${type}, but key spec ${keySpec} means type ${spec.noteType}`);
  }
  const verifier = verifierFromVkey(vkey);
  const kmsKeyId = publicKey.KeyId;
  const { kms, noteKeyName } = options;
  const { signingAlgorithm } = spec;

  return {
    keyName: noteKeyName,
    keyId,
    vkey,
    async sign(message: Uint8Array): Promise<Uint8Array> {
      if (message.length === 0 || message.length > MAX_RAW_MESSAGE_SIZE) {
        throw new RangeError(`message is ${message.length} bytes, want 1 to ${MAX_RAW_MESSAGE_SIZE} (KMS Sign, MessageType RAW)`);
      }
      const response = await kms.send(
        new SignCommand({ KeyId: kmsKeyId, Message: message, MessageType: 'RAW', SigningAlgorithm: signingAlgorithm }),
      );
      const signature = response.Signature;
      if (!signature || !verifier.verify(message, signature)) throw new KmsSignatureError(kmsKeyId);
      return signature;
    },
  };
}

/** The KMS key cannot sign C2SP notes. */
export class UnsupportedSigningKeyError extends Error {
  readonly kmsKeyId: string;

  constructor(kmsKeyId: string, problem: string) {
    super(`KMS key ${kmsKeyId} cannot sign checkpoints: ${problem}`);
    this.name = 'UnsupportedSigningKeyError';
    this.kmsKeyId = kmsKeyId;
  }
}

/** KMS returned a signature that does not verify under the signer's vkey. */
export class KmsSignatureError extends Error {
  readonly kmsKeyId: string;

  constructor(kmsKeyId: string) {
    super(`KMS key ${kmsKeyId} returned a signature that does not verify under the signer's vkey`);
    this.name = 'KmsSignatureError';
    this.kmsKeyId = kmsKeyId;
  }
}

/** For each supported KMS key spec: the KMS signing algorithm and the C2SP note signature type. */
const KEY_SPECS: ReadonlyMap<string, { signingAlgorithm: SigningAlgorithmSpec; noteType: number }> = new Map([
  ['ECC_NIST_EDWARDS25519', { signingAlgorithm: 'ED25519_SHA_512', noteType: NOTE_SIGNATURE_TYPE.ed25519 }],
  ['ECC_NIST_P256', { signingAlgorithm: 'ECDSA_SHA_256', noteType: NOTE_SIGNATURE_TYPE.ecdsaP256 }],
]);

/** KMS Sign accepts RAW messages of at most 4096 bytes; a checkpoint note is far smaller. */
const MAX_RAW_MESSAGE_SIZE = 4096;
