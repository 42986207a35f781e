import { DecryptCommand, GenerateDataKeyCommand, IncorrectKeyException, InvalidCiphertextException, type KMSClient } from '@aws-sdk/client-kms';
import { PATIENT_KEY_SIZE, PatientKeyUnwrapError, type KeyVault, type PatientKey } from '../ports/key-vault.ts';

/**
 * The AWS KeyVault: patient keys are KMS data keys (GenerateDataKey, AES_256) under the records
 * key `keyId`, with encryption context `{patientId}`. KMS authenticates the context, and it
 * appears in CloudTrail, so every unwrap is attributable to a patient.
 */
export class KmsKeyVault implements KeyVault {
  readonly #kms: KMSClient;
  readonly #keyId: string;

  /** Requires a symmetric encryption KMS key (id, ARN or alias). */
  constructor(options: { kms: KMSClient; keyId: string }) {
    this.#kms = options.kms;
    this.#keyId = options.keyId;
  }

  async createPatientKey(patientId: string): Promise<PatientKey> {
    requirePatientId(patientId);
    const response = await this.#kms.send(
      new GenerateDataKeyCommand({ KeyId: this.#keyId, KeySpec: 'AES_256', EncryptionContext: { patientId } }),
    );
    const plaintextKey = requireKey(response.Plaintext, 'GenerateDataKey');
    if (!response.CiphertextBlob) throw new Error('KMS GenerateDataKey returned no CiphertextBlob');
    return { plaintextKey, wrappedKey: response.CiphertextBlob };
  }

  async unwrapPatientKey(patientId: string, wrappedKey: Uint8Array): Promise<Uint8Array> {
    requirePatientId(patientId);
    try {
      const response = await this.#kms.send(
        // KeyId pins the key: a blob made under any other KMS key is refused, not decrypted.
        new DecryptCommand({ KeyId: this.#keyId, CiphertextBlob: wrappedKey, EncryptionContext: { patientId } }),
      );
      return requireKey(response.Plaintext, 'Decrypt');
    } catch (error) {
      // Only "this blob does not open here" means the key is not the patient's; throttling,
      // permissions or a disabled key propagate as they are.
      if (error instanceof InvalidCiphertextException || error instanceof IncorrectKeyException) {
        throw new PatientKeyUnwrapError(patientId, { cause: error });
      }
      throw error;
    }
  }
}

function requirePatientId(patientId: string): void {
  if (patientId.length === 0) throw new RangeError('patientId must not be empty');
}

function requireKey(plaintext: Uint8Array | undefined, operation: string): Uint8Array {
  if (plaintext?.length !== PATIENT_KEY_SIZE) {
    throw new Error(`KMS ${operation} returned a ${plaintext?.length ?? 0}-byte key, want ${PATIENT_KEY_SIZE}`);
  }
  return plaintext;
}
