import { DecryptCommand, DisabledException, IncorrectKeyException, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { KmsKeyVault } from '../../shared/adapters/kms-key-vault.ts';
import { PatientKeyUnwrapError } from '../../shared/ports/key-vault.ts';

// Error mapping that moto cannot show: for a blob made under another key, moto answers
// AccessDeniedException where KMS answers IncorrectKeyException.
describe('KmsKeyVault error mapping', () => {
  const aVault = (): { vault: KmsKeyVault; kms: ReturnType<typeof mockClient> } => {
    const client = new KMSClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const kms = mockClient(client);
    return { vault: new KmsKeyVault({ kms: client, keyId: 'alias/records' }), kms };
  };

  it('reports IncorrectKeyException (a blob made under another KMS key) as PatientKeyUnwrapError', async () => {
    const { vault, kms } = aVault();
    kms.on(DecryptCommand).rejects(new IncorrectKeyException({ message: 'wrong key', $metadata: {} }));

    const unwrap = vault.unwrapPatientKey('patient-a', new Uint8Array(64));

    await expect(unwrap).rejects.toThrow(PatientKeyUnwrapError);
  });

  it('lets DisabledException through: a disabled records key is not a wrong patient', async () => {
    const { vault, kms } = aVault();
    kms.on(DecryptCommand).rejects(new DisabledException({ message: 'disabled', $metadata: {} }));

    const unwrap = vault.unwrapPatientKey('patient-a', new Uint8Array(64));

    await expect(unwrap).rejects.toThrow(DisabledException);
  });

  it('pins the records key and the encryption context on Decrypt', async () => {
    const { vault, kms } = aVault();
    kms.on(DecryptCommand).resolves({ Plaintext: new Uint8Array(32) });

    await vault.unwrapPatientKey('patient-a', new Uint8Array(64));

    expect(kms.commandCalls(DecryptCommand)[0]?.args[0].input).toMatchObject({
      KeyId: 'alias/records',
      EncryptionContext: { patientId: 'patient-a' },
    });
  });
});
