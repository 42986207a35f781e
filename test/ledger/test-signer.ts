/** In-memory signing keys for tests: no files, a fresh key per call. */
import { generateKeyPairSync } from 'node:crypto';
import { localSignerFromPem } from '../../shared/adapters/local-signer.ts';
import type { CheckpointSigner } from '../../shared/ports/signer.ts';

export const ORIGIN = 'chartproof.example/journal';

/** A fresh signer (Ed25519 unless asked otherwise) named `keyName` (default ORIGIN). */
export function testSigner(options: { algorithm?: 'ed25519' | 'ecdsa-p256'; keyName?: string } = {}): CheckpointSigner {
  const { privateKey } =
    options.algorithm === 'ecdsa-p256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return localSignerFromPem({ pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), keyName: options.keyName ?? ORIGIN });
}
