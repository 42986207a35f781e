import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createKmsSigner, KmsSignatureError, UnsupportedSigningKeyError } from '../../shared/adapters/kms-signer.ts';
import { openNote, signCheckpoint, verifierFromVkey } from '../../shared/ledger/note.ts';
import { parseVkey } from '../../shared/ledger/vkey.ts';

// moto has no Ed25519 keys, so KMS is mocked here, but with real cryptography: GetPublicKey answers
// a locally generated Ed25519 key, and Sign signs exactly the RAW message it receives.
const origin = 'chartproof.example/log';
const keyArn = 'arn:aws:kms:us-east-1:111122223333:key/0b1c2d3e-0000-4000-8000-000000000001';

function anEd25519Kms(): { client: KMSClient; kms: ReturnType<typeof mockClient>; signedMessages: Uint8Array[] } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const client = new KMSClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const kms = mockClient(client);
  const signedMessages: Uint8Array[] = [];
  kms.on(GetPublicKeyCommand).resolves({
    KeyId: keyArn,
    KeySpec: 'ECC_NIST_EDWARDS25519',
    KeyUsage: 'SIGN_VERIFY',
    SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'],
    PublicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
  });
  kms.on(SignCommand).callsFake((input: { Message: Uint8Array; MessageType: string; SigningAlgorithm: string }) => {
    // What KMS would refuse or compute differently: anything but pure Ed25519 over the raw bytes.
    if (input.MessageType !== 'RAW' || input.SigningAlgorithm !== 'ED25519_SHA_512') {
      throw new Error(`unexpected MessageType ${input.MessageType} / SigningAlgorithm ${input.SigningAlgorithm}`);
    }
    signedMessages.push(input.Message);
    return { KeyId: keyArn, SigningAlgorithm: 'ED25519_SHA_512', Signature: new Uint8Array(cryptoSign(null, input.Message, privateKey)) };
  });
  return { client, kms, signedMessages };
}

describe('createKmsSigner with an Ed25519 KMS key (mocked KMS, real signatures)', () => {
  it('publishes a type 0x01 vkey named after the note key name', async () => {
    const { client } = anEd25519Kms();

    const signer = await createKmsSigner({ kms: client, keyId: 'alias/checkpoints', noteKeyName: origin });

    expect(parseVkey(signer.vkey)).toMatchObject({ name: origin, type: 0x01 });
    expect(Buffer.from(parseVkey(signer.vkey).keyId).equals(signer.keyId)).toBe(true);
  });

  it('signs a checkpoint note that the local verifier opens', async () => {
    const { client } = anEd25519Kms();
    const signer = await createKmsSigner({ kms: client, keyId: 'alias/checkpoints', noteKeyName: origin });

    const note = await signCheckpoint({ origin, size: 7, root: new Uint8Array(32).fill(7), extensions: [] }, signer);

    expect(openNote(note, [verifierFromVkey(signer.vkey)]).verifiedBy).toEqual([origin]);
  });

  it('sends KMS exactly the note text, as a RAW message with ED25519_SHA_512', async () => {
    const { client, kms, signedMessages } = anEd25519Kms();
    const signer = await createKmsSigner({ kms: client, keyId: 'alias/checkpoints', noteKeyName: origin });

    const note = await signCheckpoint({ origin, size: 7, root: new Uint8Array(32).fill(7), extensions: [] }, signer);

    const text = openNote(note, [verifierFromVkey(signer.vkey)]).text;
    expect(signedMessages.map((message) => new TextDecoder().decode(message))).toEqual([text]);
    expect(kms.commandCalls(SignCommand)[0]?.args[0].input).toMatchObject({ MessageType: 'RAW', SigningAlgorithm: 'ED25519_SHA_512' });
  });

  it('signs with the key ARN that GetPublicKey reported, not the alias it was given', async () => {
    const { client, kms } = anEd25519Kms();
    const signer = await createKmsSigner({ kms: client, keyId: 'alias/checkpoints', noteKeyName: origin });

    await signer.sign(new TextEncoder().encode('text\n'));

    expect(kms.commandCalls(SignCommand)[0]?.args[0].input.KeyId).toBe(keyArn);
  });

  it('refuses to return a signature that does not verify under its vkey', async () => {
    const { client, kms } = anEd25519Kms();
    const signer = await createKmsSigner({ kms: client, keyId: 'alias/checkpoints', noteKeyName: origin });
    kms.on(SignCommand).resolves({ KeyId: keyArn, Signature: new Uint8Array(64) });

    const sign = signer.sign(new TextEncoder().encode('text\n'));

    await expect(sign).rejects.toThrow(KmsSignatureError);
  });

  it('refuses a message larger than KMS accepts as RAW', async () => {
    const { client } = anEd25519Kms();
    const signer = await createKmsSigner({ kms: client, keyId: 'alias/checkpoints', noteKeyName: origin });

    const sign = signer.sign(new Uint8Array(4097));

    await expect(sign).rejects.toThrow('message is 4097 bytes, want 1 to 4096');
  });

  it('refuses a P-256 key made for key agreement, not signing', async () => {
    const { client, kms } = anEd25519Kms();
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    kms.on(GetPublicKeyCommand).resolves({
      KeyId: keyArn,
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'KEY_AGREEMENT',
      PublicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
    });

    const create = createKmsSigner({ kms: client, keyId: 'alias/checkpoints', noteKeyName: origin });

    await expect(create).rejects.toThrow(UnsupportedSigningKeyError);
    await expect(create).rejects.toThrow('key usage is KEY_AGREEMENT, want SIGN_VERIFY');
  });
});
