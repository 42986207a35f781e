import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { JobLog } from '../../functions/aws/job-handler.ts';
import { checkpointObjectKey, makeCheckpointHandler } from '../../functions/jobs/sign-checkpoint.ts';
import type { JournalStore, SignedCheckpoint } from '../../shared/ports/journal-store.ts';
import { ObjectExistsError, ObjectIntegrityError, type ObjectStore } from '../../shared/ports/object-store.ts';

class MapObjectStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();

  async putObject(input: { key: string; body: Uint8Array; sha256: Uint8Array }): Promise<void> {
    if (this.objects.has(input.key)) throw new ObjectExistsError(input.key);
    if (!Buffer.from(input.sha256).equals(createHash('sha256').update(input.body).digest())) throw new ObjectIntegrityError(input.key, 'the given SHA-256 is not the body\'s');
    this.objects.set(input.key, input.body);
  }

  async getObject(key: string): Promise<Uint8Array> {
    const body = this.objects.get(key);
    if (body === undefined) throw new Error(`no ${key}`);
    return body;
  }
}

/** A journal whose tree grows by hand and which signs whenever asked to cover a bigger size. */
function aJournal() {
  let size = 0;
  let latest: SignedCheckpoint | undefined;
  const asked: (number | undefined)[] = [];
  const journal: Pick<JournalStore, 'treeHead' | 'checkpoint'> = {
    treeHead: async () => ({ size, root: new Uint8Array(32) }),
    checkpoint: async (options) => {
      asked.push(options?.covering);
      if (size > 0 && (latest === undefined || latest.size < size)) latest = { size, root: new Uint8Array(32), note: `origin\n${size}\nroot\n\n— sig ${size}\n`, signedAt: 0 };
      return latest;
    },
  };
  return { journal, asked, grow: (n: number) => (size += n) };
}

const quiet: JobLog = { info: () => {}, warn: () => {} };
const nothingToRepair = async () => ({ repaired: 0, unresolved: 0 });

describe('checkpoint job handler', () => {
  it('asks for a checkpoint covering the tree head and writes each new note once to the witness bucket', async () => {
    const { journal, asked, grow } = aJournal();
    const witness = new MapObjectStore();
    const handler = makeCheckpointHandler({ journal, witness, repairReceipts: nothingToRepair, log: quiet });

    const empty = await handler({});
    grow(3);
    const first = await handler({});
    const unchanged = await handler({});
    grow(2);
    const grown = await handler({});

    expect({
      results: [empty, first, unchanged, grown],
      asked,
      objects: [...witness.objects].map(([key, body]) => [key, new TextDecoder().decode(body)]),
    }).toEqual({
      results: [
        { size: undefined, stored: 'none-signed', receipts: { repaired: 0, unresolved: 0 } },
        { size: 3, stored: 'written', receipts: { repaired: 0, unresolved: 0 } },
        { size: 3, stored: 'already-stored', receipts: { repaired: 0, unresolved: 0 } },
        { size: 5, stored: 'written', receipts: { repaired: 0, unresolved: 0 } },
      ],
      asked: [0, 3, 3, 5],
      objects: [
        [checkpointObjectKey(3), 'origin\n3\nroot\n\n— sig 3\n'],
        [checkpointObjectKey(5), 'origin\n5\nroot\n\n— sig 5\n'],
      ],
    });
  });

  it('signs without a witness bucket, and a failed write fails the invocation so the schedule retries', async () => {
    const { journal, grow } = aJournal();
    grow(1);
    const broken: ObjectStore = { putObject: async () => Promise.reject(new Error('S3 unavailable')), getObject: async () => new Uint8Array() };

    const withoutBucket = await makeCheckpointHandler({ journal, witness: undefined, repairReceipts: nothingToRepair, log: quiet })({});
    const failing = makeCheckpointHandler({ journal, witness: broken, repairReceipts: nothingToRepair, log: quiet })({});

    expect(withoutBucket).toEqual({ size: 1, stored: 'not-kept', receipts: { repaired: 0, unresolved: 0 } });
    await expect(failing).rejects.toThrow('S3 unavailable');
  });

  it('completes receipts after signing, and signs even when the repair fails', async () => {
    const { journal, asked, grow } = aJournal();
    grow(2);
    const events: string[] = [];
    const witness = new MapObjectStore();
    const repaired = await makeCheckpointHandler({
      journal,
      witness,
      repairReceipts: async () => {
        events.push(`repair after ${witness.objects.size} stored`);
        return { repaired: 2, unresolved: 1 };
      },
      log: { info: () => {}, warn: (message) => events.push(message) },
    })({});
    const failing = makeCheckpointHandler({ journal, witness, repairReceipts: async () => Promise.reject(new Error('database gone')), log: quiet })({});

    expect([repaired, events]).toEqual([
      { size: 2, stored: 'written', receipts: { repaired: 2, unresolved: 1 } },
      ['repair after 1 stored', 'completed receipts after a crash'],
    ]);
    await expect(failing).rejects.toThrow('database gone');
    expect(asked).toEqual([2, 2]);
  });

  it('still repairs receipts when the witness bucket refuses the checkpoint, then fails the invocation', async () => {
    const { journal, grow } = aJournal();
    grow(1);
    const broken: ObjectStore = { putObject: async () => Promise.reject(new Error('S3 unavailable')), getObject: async () => new Uint8Array() };
    let repairs = 0;

    const failing = makeCheckpointHandler({ journal, witness: broken, repairReceipts: async () => (repairs++, { repaired: 0, unresolved: 0 }), log: quiet })({});

    await expect(failing).rejects.toThrow('S3 unavailable');
    expect(repairs).toBe(1);
  });

  it('names keys so that they sort by tree size', () => {
    expect([checkpointObjectKey(10), checkpointObjectKey(9), checkpointObjectKey(100)].sort()).toEqual([checkpointObjectKey(9), checkpointObjectKey(10), checkpointObjectKey(100)]);
  });
});
