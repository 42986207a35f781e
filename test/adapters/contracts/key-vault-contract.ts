import { describe, expect, it } from 'vitest';
import { PatientKeyUnwrapError, type KeyVault } from '../../../shared/ports/key-vault.ts';

/** The KeyVault contract (shared/ports/key-vault.ts), run against every adapter. */
export function describeKeyVaultContract(name: string, makeVault: () => Promise<KeyVault>): void {
  describe(`${name} (KeyVault contract)`, () => {
    it('creates a 32-byte key', async () => {
      const vault = await makeVault();

      const { plaintextKey } = await vault.createPatientKey('patient-a');

      expect(plaintextKey).toHaveLength(32);
    });

    it('unwraps the wrapped key to the same key for the same patient', async () => {
      const vault = await makeVault();
      const { plaintextKey, wrappedKey } = await vault.createPatientKey('patient-a');

      const unwrapped = await vault.unwrapPatientKey('patient-a', wrappedKey);

      expect(Buffer.from(unwrapped).equals(plaintextKey)).toBe(true);
    });

    it('never stores the key in the clear inside the wrapped key', async () => {
      const vault = await makeVault();

      const { plaintextKey, wrappedKey } = await vault.createPatientKey('patient-a');

      expect(Buffer.from(wrappedKey).includes(Buffer.from(plaintextKey))).toBe(false);
    });

    it('creates a different key for each call', async () => {
      const vault = await makeVault();

      const first = await vault.createPatientKey('patient-a');
      const second = await vault.createPatientKey('patient-a');

      expect(Buffer.from(first.plaintextKey).equals(second.plaintextKey)).toBe(false);
    });

    it("refuses to unwrap a key under another patient's id", async () => {
      const vault = await makeVault();
      const { wrappedKey } = await vault.createPatientKey('patient-a');

      const unwrap = vault.unwrapPatientKey('patient-b', wrappedKey);

      await expect(unwrap).rejects.toThrow(PatientKeyUnwrapError);
    });

    it('refuses a wrapped key with one flipped byte', async () => {
      const vault = await makeVault();
      const { wrappedKey } = await vault.createPatientKey('patient-a');
      const tampered = Uint8Array.from(wrappedKey);
      const last = tampered.length - 1;
      tampered[last] = (tampered[last] ?? 0) ^ 0x01;

      const unwrap = vault.unwrapPatientKey('patient-a', tampered);

      await expect(unwrap).rejects.toThrow(PatientKeyUnwrapError);
    });
  });
}
