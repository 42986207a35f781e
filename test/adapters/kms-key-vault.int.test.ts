import { CreateKeyCommand, DecryptCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { KmsKeyVault } from '../../shared/adapters/kms-key-vault.ts';
import { testAwsEndpoint } from '../support/services.ts';
import { describeKeyVaultContract } from './contracts/key-vault-contract.ts';
import { motoKms } from './moto-clients.ts';

const endpoint = testAwsEndpoint();

describe.skipIf(!endpoint)('KmsKeyVault against moto_server', () => {
  const kms = motoKms(endpoint ?? '');
  const aRecordsKey = async (): Promise<string> => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' }));
    return KeyMetadata?.KeyId ?? '';
  };

  describeKeyVaultContract('KmsKeyVault', async () => new KmsKeyVault({ kms, keyId: await aRecordsKey() }));

  it('wraps under encryption context {patientId}, as KMS Decrypt itself shows', async () => {
    const keyId = await aRecordsKey();
    const vault = new KmsKeyVault({ kms, keyId });
    const { plaintextKey, wrappedKey } = await vault.createPatientKey('patient-a');

    const { Plaintext } = await kms.send(
      new DecryptCommand({ KeyId: keyId, CiphertextBlob: wrappedKey, EncryptionContext: { patientId: 'patient-a' } }),
    );

    expect(Buffer.from(Plaintext ?? []).equals(plaintextKey)).toBe(true);
  });

  it('lets other KMS failures through unchanged, not as a wrong-patient error', async () => {
    const vault = new KmsKeyVault({ kms, keyId: 'alias/chartproof-no-such-key' });

    const create = vault.createPatientKey('patient-a');

    await expect(create).rejects.toThrow(expect.objectContaining({ name: 'NotFoundException' }));
  });
});
