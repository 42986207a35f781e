import { createHash } from 'node:crypto';
import { CreateKeyCommand, type KeySpec } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { createKmsSigner, UnsupportedSigningKeyError } from '../../shared/adapters/kms-signer.ts';
import { openCheckpoint, openNote, signCheckpoint, signNote, verifierFromVkey } from '../../shared/ledger/note.ts';
import { parseVkey } from '../../shared/ledger/vkey.ts';
import { testAwsEndpoint } from '../support/services.ts';
import { motoKms } from './moto-clients.ts';

const endpoint = testAwsEndpoint();
const origin = 'chartproof.example/log';

// moto emulates ECDSA keys but not Ed25519; the Ed25519 path is in kms-signer.test.ts.
describe.skipIf(!endpoint)('createKmsSigner against moto_server (ECDSA P-256)', () => {
  const kms = motoKms(endpoint ?? '');
  const aSigningKey = async (keySpec: KeySpec = 'ECC_NIST_P256'): Promise<string> => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ KeySpec: keySpec, KeyUsage: 'SIGN_VERIFY' }));
    return KeyMetadata?.KeyId ?? '';
  };

  it('publishes a type 0x02 vkey whose key id is the one the signer reports', async () => {
    const signer = await createKmsSigner({ kms, keyId: await aSigningKey(), noteKeyName: origin });

    const parsed = parseVkey(signer.vkey);

    expect(parsed).toMatchObject({ name: origin, type: 0x02 });
    expect(Buffer.from(parsed.keyId).equals(signer.keyId)).toBe(true);
  });

  it('signs a checkpoint that the local verifier opens', async () => {
    const signer = await createKmsSigner({ kms, keyId: await aSigningKey(), noteKeyName: origin });
    const checkpoint = { origin, size: 42, root: createHash('sha256').update('root').digest(), extensions: [] };

    const note = await signCheckpoint(checkpoint, signer);

    expect(openNote(note, [verifierFromVkey(signer.vkey)]).verifiedBy).toEqual([origin]);
    expect(openCheckpoint(note, verifierFromVkey(signer.vkey))).toMatchObject({ origin, size: 42 });
  });

  it('produces signatures that another key does not verify', async () => {
    const signer = await createKmsSigner({ kms, keyId: await aSigningKey(), noteKeyName: origin });
    const other = await createKmsSigner({ kms, keyId: await aSigningKey(), noteKeyName: origin });
    const message = new TextEncoder().encode(`${origin}\n1\n${'A'.repeat(43)}=\n`);

    const signature = await signer.sign(message);

    expect(verifierFromVkey(signer.vkey).verify(message, signature)).toBe(true);
    expect(verifierFromVkey(other.vkey).verify(message, signature)).toBe(false);
  });

  it('signs a note of several lines exactly as given (RAW, not pre-hashed by us)', async () => {
    const signer = await createKmsSigner({ kms, keyId: await aSigningKey(), noteKeyName: origin });

    const note = await signNote('line one\nline two\n', [signer]);

    expect(openNote(note, [verifierFromVkey(signer.vkey)]).text).toBe('line one\nline two\n');
  });

  it('refuses a key spec that notes cannot carry (P-384)', async () => {
    const keyId = await aSigningKey('ECC_NIST_P384');

    const create = createKmsSigner({ kms, keyId, noteKeyName: origin });

    await expect(create).rejects.toThrow(UnsupportedSigningKeyError);
    await expect(create).rejects.toThrow('key spec is ECC_NIST_P384');
  });
});
