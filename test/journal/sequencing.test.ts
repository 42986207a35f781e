import { describe, expect, it } from 'vitest';
import { leafHash } from '../../shared/ledger/hashing.ts';
import { checkpointDue, DEFAULT_CHECKPOINT_POLICY, receiptsFor } from '../../shared/ledger/sequencing.ts';

describe('receiptsFor', () => {
  it('numbers the entries from the first index and hashes each', () => {
    // Prepare
    const entries = [Buffer.from('a'), Buffer.from('b')];
    // Act
    const receipts = receiptsFor(entries, 7, 10);
    // Assess
    expect(receipts).toEqual([
      { index: 7, leafHash: leafHash(entries[0] as Buffer), treeSize: 10 },
      { index: 8, leafHash: leafHash(entries[1] as Buffer), treeSize: 10 },
    ]);
  });

  it('refuses entries that do not fit in the tree size', () => {
    // Act and assess
    expect(() => receiptsFor([Buffer.from('a'), Buffer.from('b')], 9, 10)).toThrow(RangeError);
  });
});

describe('checkpointDue with the default policy (1 s minimum, 60 s maximum)', () => {
  const policy = DEFAULT_CHECKPOINT_POLICY;
  const last = { size: 10, signedAt: 1_000_000 };

  it('signs the first checkpoint at once', () => {
    // Act and assess
    expect(checkpointDue({ policy, now: 0, treeSize: 0, last: undefined })).toBe(true);
  });

  it('never signs when the tree has not grown', () => {
    // Act and assess
    expect(checkpointDue({ policy, now: last.signedAt + 3_600_000, treeSize: 10, last, wantedSize: 11 })).toBe(false);
  });

  it('never signs twice within the minimum interval, even when asked', () => {
    // Act and assess
    expect(checkpointDue({ policy, now: last.signedAt + 999, treeSize: 11, last, wantedSize: 11 })).toBe(false);
  });

  it('signs when asked for a newer size once the minimum interval has passed', () => {
    // Act and assess
    expect(checkpointDue({ policy, now: last.signedAt + 1_000, treeSize: 11, last, wantedSize: 11 })).toBe(true);
  });

  it('does not sign a grown tree before the maximum interval unless asked', () => {
    // Act and assess
    expect(checkpointDue({ policy, now: last.signedAt + 59_999, treeSize: 11, last })).toBe(false);
  });

  it('signs a grown tree once the maximum interval has passed', () => {
    // Act and assess
    expect(checkpointDue({ policy, now: last.signedAt + 60_000, treeSize: 11, last })).toBe(true);
  });

  it('rejects a policy whose minimum exceeds its maximum', () => {
    // Act and assess
    expect(() => checkpointDue({ policy: { minInterval: 2, maxInterval: 1 }, now: 0, treeSize: 1, last })).toThrow(RangeError);
  });
});
