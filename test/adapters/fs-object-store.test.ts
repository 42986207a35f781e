import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../shared/adapters/fs-object-store.ts';
import { ObjectExistsError, ObjectNotFoundError } from '../../shared/ports/object-store.ts';
import { describeObjectStoreContract } from './contracts/object-store-contract.ts';

const scratch = await mkdtemp(join(tmpdir(), 'chartproof-fs-object-store-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

let roots = 0;
const aRoot = (): string => join(scratch, `root-${roots++}`);

describeObjectStoreContract('FsObjectStore', async () => new FsObjectStore({ root: aRoot() }), { verifiesSha256OnPut: true });

describe('FsObjectStore files', () => {
  const body = new TextEncoder().encode('ciphertext bytes');
  const sha256 = createHash('sha256').update(body).digest();

  it('stores an object as a 0600 file at root/key', async () => {
    const root = aRoot();
    const store = new FsObjectStore({ root });

    await store.putObject({ key: 'records/p1/r1/1', body, sha256 });

    expect(await readFile(join(root, 'records/p1/r1/1'), 'utf8')).toBe('ciphertext bytes');
    expect((await stat(join(root, 'records/p1/r1/1'))).mode & 0o777).toBe(0o600);
  });

  it('leaves no temp file behind, whether the put succeeds or meets an existing key', async () => {
    const root = aRoot();
    const store = new FsObjectStore({ root });
    await store.putObject({ key: 'records/p1/r1/1', body, sha256 });

    await store.putObject({ key: 'records/p1/r1/1', body, sha256 }).catch(() => undefined);

    expect(await readdir(join(root, 'records/p1/r1'))).toEqual(['1']);
  });

  it('reports a key that is only a prefix of stored keys as not found', async () => {
    const store = new FsObjectStore({ root: aRoot() });
    await store.putObject({ key: 'records/p1/r1/1', body, sha256 });

    const read = store.getObject('records/p1');

    await expect(read).rejects.toThrow(ObjectNotFoundError);
  });

  it('lets exactly one of many concurrent puts to one key win', async () => {
    const store = new FsObjectStore({ root: aRoot() });

    const outcomes = await Promise.allSettled(
      Array.from({ length: 16 }, () => store.putObject({ key: 'records/p1/r1/1', body, sha256 })),
    );

    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const losers = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(losers.every((reason) => reason instanceof ObjectExistsError)).toBe(true);
  });
});
