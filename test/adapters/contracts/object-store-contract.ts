import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  InvalidObjectKeyError,
  ObjectExistsError,
  ObjectIntegrityError,
  ObjectNotFoundError,
  type ObjectStore,
} from '../../../shared/ports/object-store.ts';

export type ObjectStoreContractOptions = {
  /**
   * Whether the backend itself recomputes the SHA-256 on put. AWS S3 does; moto stores the given
   * ChecksumSHA256 without checking it, so against moto that refusal cannot be observed.
   */
  readonly verifiesSha256OnPut: boolean;
};

/** The ObjectStore contract (shared/ports/object-store.ts), run against every adapter. */
export function describeObjectStoreContract(
  name: string,
  makeStore: () => Promise<ObjectStore>,
  options: ObjectStoreContractOptions,
): void {
  describe(`${name} (ObjectStore contract)`, () => {
    it('returns exactly the bytes that were put', async () => {
      const store = await makeStore();
      const { key, body, sha256 } = anObject();
      await store.putObject({ key, body, sha256 });

      const read = await store.getObject(key);

      expect(Buffer.from(read).equals(body)).toBe(true);
    });

    it('refuses to overwrite an existing key and keeps the first bytes', async () => {
      const store = await makeStore();
      const first = anObject();
      const second = anObject();
      await store.putObject(first);

      const overwrite = store.putObject({ key: first.key, body: second.body, sha256: second.sha256 });

      await expect(overwrite).rejects.toThrow(ObjectExistsError);
      expect(Buffer.from(await store.getObject(first.key)).equals(first.body)).toBe(true);
    });

    it('refuses to write the same bytes twice under one key', async () => {
      const store = await makeStore();
      const object = anObject();
      await store.putObject(object);

      const again = store.putObject(object);

      await expect(again).rejects.toThrow(ObjectExistsError);
    });

    // Registered only where it can pass or fail for real (see ObjectStoreContractOptions).
    if (options.verifiesSha256OnPut) {
      it('refuses a body whose SHA-256 is not the one given, and stores nothing', async () => {
        const store = await makeStore();
        const object = anObject();
        const wrongSha256 = createHash('sha256').update('something else').digest();

        const put = store.putObject({ ...object, sha256: wrongSha256 });

        await expect(put).rejects.toThrow(ObjectIntegrityError);
        await expect(store.getObject(object.key)).rejects.toThrow(ObjectNotFoundError);
      });
    }

    it('reports a missing key as ObjectNotFoundError', async () => {
      const store = await makeStore();

      const read = store.getObject(anObject().key);

      await expect(read).rejects.toThrow(ObjectNotFoundError);
    });

    it.each(['../escape', 'records/../../etc/passwd', '/absolute', 'records//double', 'records/./dot', 'records/.hidden', 'records/with space', '', 'a/b/c/d/e/f/g/h/i'])(
      'refuses the key %j on put and on get',
      async (key) => {
        const store = await makeStore();
        const { body, sha256 } = anObject();

        const put = store.putObject({ key, body, sha256 });
        const get = store.getObject(key);

        await expect(put).rejects.toThrow(InvalidObjectKeyError);
        await expect(get).rejects.toThrow(InvalidObjectKeyError);
      },
    );
  });
}

function anObject(): { key: string; body: Uint8Array; sha256: Uint8Array } {
  const body = new Uint8Array(randomBytes(1000));
  return {
    key: `records/${randomUUID()}/${randomUUID()}/1`,
    body,
    sha256: new Uint8Array(createHash('sha256').update(body).digest()),
  };
}
