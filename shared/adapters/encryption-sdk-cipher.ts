// The Encryption SDK's parts, not its umbrella @aws-crypto/client-node: that one is CommonJS only,
// so a bundle cannot drop the keyrings it re-exports, and its KMS hierarchical keyring imports the
// DynamoDB client at load. Only the raw AES keyring is used here.
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { AlgorithmSuiteIdentifier, type ClientOptions, CommitmentPolicy } from '@aws-crypto/material-management-node';
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/raw-aes-keyring-node';
import { PATIENT_KEY_SIZE } from '../ports/key-vault.ts';
import {
  RecordContextMismatchError,
  RecordDecryptError,
  type RecordCipher,
  type RecordContext,
} from '../ports/record-cipher.ts';

/**
 * RecordCipher over the AWS Encryption SDK: a raw AES keyring keyed by the patient key wraps a
 * fresh data key per record version, and the message header authenticates the encryption context
 * `{patientId, recordId, version}`.
 *
 * Algorithm suite: AES-256-GCM with HKDF and key commitment, without the ECDSA P-384 message
 * signature. A signature only helps when some key holders may decrypt but must not encrypt;
 * here the one holder of a patient key is Chartproof itself, so it would add a P-384 signature
 * per record for no protection. Tampering is caught by GCM, key commitment, and the SHA-256 in
 * the journal.
 */
export class EncryptionSdkCipher implements RecordCipher {
  // What client-node's buildClient returns: buildEncrypt and buildDecrypt with the same options.
  readonly #client = buildSdkClient({
    commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
    // We write exactly one encrypted data key per message; refuse to parse messages that claim more.
    maxEncryptedDataKeys: 1,
  });

  async encrypt(input: { plaintext: Uint8Array; patientKey: Uint8Array; context: RecordContext }): Promise<Uint8Array> {
    const { result } = await this.#client.encrypt(keyring(input.patientKey, input.context), input.plaintext, {
      suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
      encryptionContext: encryptionContext(input.context),
    });
    return new Uint8Array(result.buffer, result.byteOffset, result.byteLength);
  }

  async decrypt(input: { ciphertext: Uint8Array; patientKey: Uint8Array; context: RecordContext }): Promise<Uint8Array> {
    const expected = encryptionContext(input.context);
    const ring = keyring(input.patientKey, input.context);
    const { plaintext, messageHeader } = await this.#client.decrypt(ring, input.ciphertext).catch((error: unknown) => {
      // The SDK reports every failure (bad tag, wrong key, malformed header) as a plain Error.
      throw new RecordDecryptError({ cause: error });
    });
    // The SDK authenticates the stored context but does not compare it with anything: that is ours.
    assertContext(messageHeader.encryptionContext, expected);
    return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  }
}

function buildSdkClient(options: Partial<ClientOptions>) {
  return { ...buildEncrypt(options), ...buildDecrypt(options) };
}

/** Key provider namespace in every message header; the key name says whose key wrapped it. */
const KEY_NAMESPACE = 'chartproof';
// The SDK adds its own context pairs under this prefix (e.g. the signing suites' public key).
const RESERVED_CONTEXT_PREFIX = 'aws-crypto-';

function keyring(patientKey: Uint8Array, context: RecordContext): RawAesKeyringNode {
  if (patientKey.length !== PATIENT_KEY_SIZE) {
    throw new RangeError(`patient key is ${patientKey.length} bytes, want ${PATIENT_KEY_SIZE}`);
  }
  return new RawAesKeyringNode({
    keyNamespace: KEY_NAMESPACE,
    keyName: `patient:${context.patientId}`,
    // The SDK zeroes the key material it is given once the message is done, so it gets a copy:
    // the caller's key stays usable, and the copy does not outlive the call.
    unencryptedMasterKey: Uint8Array.from(patientKey),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
}

/** Requires non-empty ids and an integer version >= 1. */
function encryptionContext(context: RecordContext): Record<string, string> {
  if (context.patientId.length === 0 || context.recordId.length === 0) {
    throw new RangeError('patientId and recordId must not be empty');
  }
  if (!Number.isSafeInteger(context.version) || context.version < 1) {
    throw new RangeError(`version is ${context.version}, want an integer >= 1`);
  }
  return { patientId: context.patientId, recordId: context.recordId, version: String(context.version) };
}

function assertContext(stored: Readonly<Record<string, string>>, expected: Record<string, string>): void {
  for (const [field, want] of Object.entries(expected)) {
    const got = Object.hasOwn(stored, field) ? stored[field] : undefined;
    if (got !== want) throw new RecordContextMismatchError(field, got, want);
  }
  for (const [field, got] of Object.entries(stored)) {
    if (!Object.hasOwn(expected, field) && !field.startsWith(RESERVED_CONTEXT_PREFIX)) {
      throw new RecordContextMismatchError(field, got, undefined);
    }
  }
}
