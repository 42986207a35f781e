/**
 * Per-patient data keys (ARCHITECTURE.md D2).
 *
 * Each patient has one AES-256 key. Only its wrapped form is stored (in the database); erasing a
 * patient destroys the wrapped key, which makes every record of that patient unreadable
 * (crypto-shredding). The wrap is bound to the encryption context `{patientId}`, so a wrapped key
 * copied onto another patient's row does not open.
 */
export type PatientKey = {
  /** The 32-byte AES-256 key. Secret: never log, store or journal it. */
  readonly plaintextKey: Uint8Array;
  /** Opaque bytes to store; only `unwrapPatientKey` with the same patientId turns them back into the key. */
  readonly wrappedKey: Uint8Array;
};

export interface KeyVault {
  /**
   * Creates a fresh random patient key and wraps it under encryption context `{patientId}`.
   * Requires a non-empty patientId.
   */
  createPatientKey(patientId: string): Promise<PatientKey>;

  /**
   * Returns the 32-byte key inside `wrappedKey`.
   * Throws PatientKeyUnwrapError when the wrap does not open under `{patientId}`: another
   * patient's key, tampered bytes, or a key wrapped by a different master key. Any other failure
   * (network, permissions) propagates unchanged, so callers can tell "this key is not yours"
   * from "the vault is down".
   */
  unwrapPatientKey(patientId: string, wrappedKey: Uint8Array): Promise<Uint8Array>;
}

/** The wrapped key does not open under this patient's encryption context. */
export class PatientKeyUnwrapError extends Error {
  readonly patientId: string;

  constructor(patientId: string, options?: { cause?: unknown }) {
    super(`wrapped key does not open under encryption context {patientId: ${JSON.stringify(patientId)}}`, options);
    this.name = 'PatientKeyUnwrapError';
    this.patientId = patientId;
  }
}

/** AES-256 key length in bytes. */
export const PATIENT_KEY_SIZE = 32;
