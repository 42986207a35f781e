import { randomBytes } from 'node:crypto';
import { buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import { describe, expect, it } from 'vitest';
import { EncryptionSdkCipher } from '../../shared/adapters/encryption-sdk-cipher.ts';
import {
  RecordCipherError,
  RecordContextMismatchError,
  RecordDecryptError,
  type RecordContext,
} from '../../shared/ports/record-cipher.ts';

const cipher = new EncryptionSdkCipher();
const context: RecordContext = { patientId: 'patient-a', recordId: 'record-1', version: 3 };
const resource = new TextEncoder().encode(
  JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'blood glucose' }, valueQuantity: { value: 5.4 } }),
);
const aKey = (): Uint8Array => new Uint8Array(randomBytes(32));
const sdkContext = { patientId: 'patient-a', recordId: 'record-1', version: '3' };

/** A message made with the SDK directly, with the adapter's keyring settings but any context. */
async function sdkEncrypt(patientKey: Uint8Array, encryptionContext: Record<string, string>): Promise<Uint8Array> {
  const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = new RawAesKeyringNode({
    keyNamespace: 'chartproof',
    keyName: 'patient:patient-a',
    unencryptedMasterKey: Uint8Array.from(patientKey),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  const { result } = await encrypt(keyring, resource, { encryptionContext });
  return result;
}

describe('EncryptionSdkCipher', () => {
  it('decrypts what it encrypted', async () => {
    const patientKey = aKey();
    const ciphertext = await cipher.encrypt({ plaintext: resource, patientKey, context });

    const plaintext = await cipher.decrypt({ ciphertext, patientKey, context });

    expect(Buffer.from(plaintext).equals(resource)).toBe(true);
  });

  it('never carries the plaintext, or any 16-byte run of it, in the ciphertext', async () => {
    const ciphertext = Buffer.from(await cipher.encrypt({ plaintext: resource, patientKey: aKey(), context }));

    const leaked = Array.from({ length: resource.length - 15 }, (_, i) => resource.subarray(i, i + 16)).filter((run) =>
      ciphertext.includes(Buffer.from(run)),
    );

    expect(leaked).toEqual([]);
  });

  it('encrypts the same input differently each time', async () => {
    const patientKey = aKey();

    const first = await cipher.encrypt({ plaintext: resource, patientKey, context });
    const second = await cipher.encrypt({ plaintext: resource, patientKey, context });

    expect(Buffer.from(first).equals(second)).toBe(false);
  });

  it("refuses to decrypt with another patient's key", async () => {
    const ciphertext = await cipher.encrypt({ plaintext: resource, patientKey: aKey(), context });

    const decrypt = cipher.decrypt({ ciphertext, patientKey: aKey(), context });

    await expect(decrypt).rejects.toThrow(RecordDecryptError);
  });

  it.each([
    ['recordId', { ...context, recordId: 'record-2' }, 'record-1', 'record-2'],
    ['version', { ...context, version: 4 }, '3', '4'],
  ] as const)('refuses a ciphertext made for another %s', async (field, expected, got, want) => {
    const patientKey = aKey();
    const ciphertext = await cipher.encrypt({ plaintext: resource, patientKey, context });

    const decrypt = cipher.decrypt({ ciphertext, patientKey, context: expected });

    await expect(decrypt).rejects.toThrow(RecordContextMismatchError);
    await expect(decrypt).rejects.toMatchObject({ field, got, want });
  });

  it('refuses a ciphertext made for another patient even under the same key', async () => {
    const patientKey = aKey();
    const ciphertext = await cipher.encrypt({ plaintext: resource, patientKey, context });

    const decrypt = cipher.decrypt({ ciphertext, patientKey, context: { ...context, patientId: 'patient-b' } });

    await expect(decrypt).rejects.toThrow(RecordCipherError);
  });

  it('refuses a ciphertext with any one byte flipped', async () => {
    const patientKey = aKey();
    const ciphertext = await cipher.encrypt({ plaintext: resource, patientKey, context });
    // Header, encrypted data key, body and tag: sample positions across the whole message.
    const positions = Array.from({ length: 24 }, (_, i) => Math.floor((i * (ciphertext.length - 1)) / 23));

    const outcomes = await Promise.allSettled(
      positions.map((position) => {
        const tampered = Uint8Array.from(ciphertext);
        tampered[position] = (tampered[position] ?? 0) ^ 0x01;
        return cipher.decrypt({ ciphertext: tampered, patientKey, context });
      }),
    );

    const accepted = positions.filter((_, i) => outcomes[i]?.status === 'fulfilled');
    expect(accepted).toEqual([]);
    expect(outcomes.every((outcome) => outcome.status === 'rejected' && outcome.reason instanceof RecordCipherError)).toBe(true);
  });

  it('refuses a truncated ciphertext', async () => {
    const patientKey = aKey();
    const ciphertext = await cipher.encrypt({ plaintext: resource, patientKey, context });

    const decrypt = cipher.decrypt({ ciphertext: ciphertext.subarray(0, ciphertext.length - 1), patientKey, context });

    await expect(decrypt).rejects.toThrow(RecordDecryptError);
  });

  it("leaves the caller's patient key intact (the SDK zeroes the key it is given)", async () => {
    const patientKey = aKey();
    const before = Uint8Array.from(patientKey);

    await cipher.encrypt({ plaintext: resource, patientKey, context });

    expect(Buffer.from(patientKey).equals(before)).toBe(true);
  });

  it.each([
    ['an extra field', { ...sdkContext, purpose: 'research' }, { field: 'purpose', got: 'research', want: undefined }],
    ['a missing field', { patientId: 'patient-a', recordId: 'record-1' }, { field: 'version', got: undefined, want: '3' }],
  ])('refuses a message whose stored context has %s', async (_, storedContext, mismatch) => {
    const patientKey = aKey();
    const ciphertext = await sdkEncrypt(patientKey, storedContext);

    const decrypt = cipher.decrypt({ ciphertext, patientKey, context });

    await expect(decrypt).rejects.toThrow(RecordContextMismatchError);
    await expect(decrypt).rejects.toMatchObject(mismatch);
  });

  it('refuses a patient key that is not 32 bytes', async () => {
    const encrypt = cipher.encrypt({ plaintext: resource, patientKey: new Uint8Array(16), context });

    await expect(encrypt).rejects.toThrow('patient key is 16 bytes, want 32');
  });

  it('refuses a version that is not an integer >= 1', async () => {
    const encrypt = cipher.encrypt({ plaintext: resource, patientKey: aKey(), context: { ...context, version: 0 } });

    await expect(encrypt).rejects.toThrow('version is 0, want an integer >= 1');
  });
});
