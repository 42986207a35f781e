import { beforeAll, describe, expect, it } from 'vitest';
import { leafHash } from '../../shared/ledger/hashing.ts';
import { signCheckpoint } from '../../shared/ledger/note.ts';
import { verifyBundle, verifyBundleFiles, type VerifyBundleFiles, type VerifyBundleResult } from '../../shared/ledger/verify-bundle.ts';
import { buildJournal, ORIGIN, testSigner, type Journal } from './journal-fixture.ts';

const SIZE = 13; // neither a power of two nor small enough to make every proof trivial
const INDEX = 6;
const OLD_SIZE = 6;

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const json = (value: unknown) => utf8(JSON.stringify(value));

/** Every single-bit change of `bytes` inside [from, to). */
function* bitFlips(bytes: Uint8Array, from = 0, to = bytes.length): Generator<{ at: number; bit: number; bytes: Uint8Array }> {
  for (let at = from; at < to; at++) {
    for (let bit = 0; bit < 8; bit++) {
      const copy = bytes.slice();
      copy[at] = (copy[at] as number) ^ (1 << bit);
      yield { at, bit, bytes: copy };
    }
  }
}

/** The descriptions of the cases that were NOT rejected with a one-line reason. */
function accepted(cases: Iterable<{ label: string; files: VerifyBundleFiles }>): string[] {
  const bad: string[] = [];
  let count = 0;
  for (const { label, files } of cases) {
    count++;
    const result = verifyBundleFiles(files);
    if (result.ok || result.reason.includes('\n') || result.reason.length === 0) bad.push(label);
  }
  if (count === 0) bad.push('no cases at all');
  return bad;
}

let journal: Journal;
let files: Required<VerifyBundleFiles>;
beforeAll(async () => {
  journal = buildJournal({ size: SIZE });
  files = {
    vkey: utf8(`${journal.signer.vkey}\n`),
    checkpoint: utf8(await journal.checkpoint()),
    entry: json(await journal.entryResponse(INDEX)),
    oldCheckpoint: utf8(await journal.checkpoint(OLD_SIZE)),
    consistency: json(journal.consistencyResponse(OLD_SIZE, SIZE)),
  };
});

describe('verifyBundleFiles accepts what the log serves', () => {
  it('verifies a checkpoint, an entry and a consistency proof together', () => {
    // Act
    const result = verifyBundleFiles(files);

    // Assess
    expect(result).toEqual({
      ok: true,
      summary: expect.stringMatching(
        new RegExp(`^checkpoint ${ORIGIN} at size 13 \\(root .+\\) is signed by ${ORIGIN}; entry 6 \\(record\\.created\\) is included; extends checkpoint at size 6 \\(root .+\\)$`),
      ),
    });
  });

  it('verifies a checkpoint alone', () => {
    // Act
    const result = verifyBundleFiles({ vkey: files.vkey, checkpoint: files.checkpoint });

    // Assess
    expect(result.ok).toBe(true);
  });

  it('verifies the inclusion of every entry at every tree size that holds it', async () => {
    // Prepare
    const failures: string[] = [];

    // Act
    for (let size = 1; size <= SIZE; size++) {
      const checkpoint = await journal.checkpoint(size);
      for (let index = 0; index < size; index++) {
        const result = verifyBundle({ vkey: journal.signer.vkey, checkpoint, entry: await journal.entryResponse(index, size) });
        if (!result.ok) failures.push(`${index}@${size}: ${result.reason}`);
      }
    }

    // Assess
    expect(failures).toEqual([]);
  });

  it('verifies the consistency of every older size, the empty tree included', async () => {
    // Prepare
    const checkpoint = await journal.checkpoint();
    const failures: string[] = [];

    // Act
    for (let from = 0; from <= SIZE; from++) {
      const consistency = { oldCheckpoint: await journal.checkpoint(from), proof: journal.consistencyResponse(from, SIZE) };
      const result = verifyBundle({ vkey: journal.signer.vkey, checkpoint, consistency });
      if (!result.ok) failures.push(`${from}: ${result.reason}`);
    }

    // Assess
    expect(failures).toEqual([]);
  });

  it('verifies a journal signed with ECDSA P-256', async () => {
    // Prepare
    const p256 = buildJournal({ size: 7, signer: testSigner({ algorithm: 'ecdsa-p256' }) });
    const input = {
      vkey: p256.signer.vkey,
      checkpoint: await p256.checkpoint(),
      entry: await p256.entryResponse(6),
      consistency: { oldCheckpoint: await p256.checkpoint(3), proof: p256.consistencyResponse(3, 7) },
    };

    // Act
    const result = verifyBundle(input);

    // Assess
    expect(result.ok).toBe(true);
  });

  it('ignores fields an API response gains later', async () => {
    // Prepare
    const entry = { ...(await journal.entryResponse(INDEX)), servedAt: '2026-01-01T00:00:00.000Z' };

    // Act
    const result = verifyBundleFiles({ ...files, entry: json(entry) });

    // Assess
    expect(result.ok).toBe(true);
  });
});

describe('verifyBundleFiles rejects every single-bit change (tamper acceptance)', () => {
  it('in sampled bytes of the entry', () => {
    // Prepare: every bit of 8 bytes spread over the entry string inside the entry file.
    const text = Buffer.from(files.entry).toString('utf8');
    const quoted = JSON.stringify(journal.entryTexts[INDEX]);
    const start = text.indexOf(quoted) + 1;
    const length = Buffer.byteLength(quoted) - 2;
    const positions = Array.from({ length: 8 }, (_, k) => start + Math.floor((k * (length - 1)) / 7));
    const cases = positions.flatMap((at) =>
      [...bitFlips(files.entry, at, at + 1)].map(({ bit, bytes }) => ({ label: `entry byte ${at} bit ${bit}`, files: { ...files, entry: bytes } })),
    );

    // Act
    const passed = accepted(cases);

    // Assess
    expect(start).toBeGreaterThan(0);
    expect(cases).toHaveLength(64);
    expect(passed).toEqual([]);
  });

  it('in each inclusion proof hash and in the leaf hash', async () => {
    // Prepare
    const response = await journal.entryResponse(INDEX);
    const hashes = [...response.proof.map((hash, i) => ({ name: `proof[${i}]`, hash })), { name: 'leafHash', hash: response.leafHash }];
    const cases = hashes.flatMap(({ name, hash }) =>
      [...bitFlips(Buffer.from(hash, 'base64'))].map(({ at, bit, bytes }) => {
        const changed = Buffer.from(bytes).toString('base64');
        const tampered =
          name === 'leafHash'
            ? { ...response, leafHash: changed }
            : { ...response, proof: response.proof.map((other) => (other === hash ? changed : other)) };
        return { label: `${name} byte ${at} bit ${bit}`, files: { vkey: files.vkey, checkpoint: files.checkpoint, entry: json(tampered) } };
      }),
    );

    // Act
    const passed = accepted(cases);

    // Assess
    expect(response.proof.length).toBeGreaterThanOrEqual(3);
    expect(passed).toEqual([]);
  });

  it('in each consistency proof hash', () => {
    // Prepare
    const response = journal.consistencyResponse(OLD_SIZE, SIZE);
    const cases = response.proof.flatMap((hash, i) =>
      [...bitFlips(Buffer.from(hash, 'base64'))].map(({ at, bit, bytes }) => {
        const proof = response.proof.map((other, j) => (j === i ? Buffer.from(bytes).toString('base64') : other));
        return { label: `proof[${i}] byte ${at} bit ${bit}`, files: { ...files, entry: undefined, consistency: json({ ...response, proof }) } };
      }),
    );

    // Act
    const passed = accepted(cases);

    // Assess
    expect(response.proof.length).toBeGreaterThanOrEqual(2);
    expect(passed).toEqual([]);
  });

  it('in the root of the checkpoint, even with the signature lines kept', () => {
    // Prepare
    const note = Buffer.from(files.checkpoint).toString('utf8');
    const [origin, size, root] = note.split('\n') as [string, string, string];
    const signatures = note.slice(note.indexOf('\n\n'));
    const cases = [...bitFlips(Buffer.from(root, 'base64'))].map(({ at, bit, bytes }) => ({
      label: `root byte ${at} bit ${bit}`,
      files: { ...files, checkpoint: utf8(`${origin}\n${size}\n${Buffer.from(bytes).toString('base64')}${signatures}`) },
    }));

    // Act
    const passed = accepted(cases);

    // Assess
    expect(cases).toHaveLength(256);
    expect(passed).toEqual([]);
  });

  it.each(['checkpoint', 'oldCheckpoint'] as const)('in every byte of the %s body', (file) => {
    // Prepare
    const bodyLength = Buffer.from(files[file]).indexOf('\n\n') + 1;
    const cases = [...bitFlips(files[file], 0, bodyLength)].map(({ at, bit, bytes }) => ({
      label: `${file} byte ${at} bit ${bit}`,
      files: { ...files, [file]: bytes },
    }));

    // Act
    const passed = accepted(cases);

    // Assess
    expect(cases.length).toBeGreaterThan(500);
    expect(passed).toEqual([]);
  });

  it('in the decoded signature (key id and signature bytes)', () => {
    // Prepare
    const note = Buffer.from(files.checkpoint).toString('utf8');
    const prefix = note.slice(0, note.lastIndexOf(' ') + 1);
    const blob = Buffer.from(note.slice(prefix.length, -1), 'base64');
    const cases = [...bitFlips(blob)].map(({ at, bit, bytes }) => ({
      label: `signature byte ${at} bit ${bit}`,
      files: { ...files, checkpoint: utf8(`${prefix}${Buffer.from(bytes).toString('base64')}\n`) },
    }));

    // Act
    const passed = accepted(cases);

    // Assess
    expect(cases).toHaveLength((4 + 64) * 8);
    expect(passed).toEqual([]);
  });

  it('in every byte of the signature line as written', () => {
    // Prepare
    const from = Buffer.from(files.checkpoint).indexOf('\n\n') + 2;
    const cases = [...bitFlips(files.checkpoint, from)].map(({ at, bit, bytes }) => ({
      label: `signature line byte ${at} bit ${bit}`,
      files: { vkey: files.vkey, checkpoint: bytes },
    }));

    // Act
    const passed = accepted(cases);

    // Assess
    expect(passed).toEqual([]);
  });
});

describe('verifyBundle reasons', () => {
  it('names both roots when an inclusion proof does not reproduce the checkpoint root', async () => {
    // Prepare
    const response = await journal.entryResponse(INDEX);
    const proof = [Buffer.alloc(32, 1).toString('base64'), ...response.proof.slice(1)];

    // Act
    const result = verifyBundle({ vkey: journal.signer.vkey, checkpoint: await journal.checkpoint(), entry: { ...response, proof } });

    // Assess
    expect(result).toEqual({
      ok: false,
      reason: expect.stringMatching(/^inclusion proof does not verify: root mismatch \(computed [A-Za-z0-9+/]{43}=, checkpoint has [A-Za-z0-9+/]{43}=\)$/),
    });
  });

  it.each<[string, () => Promise<Parameters<typeof verifyBundle>[0]>, RegExp]>([
    ['a checkpoint signed by another key', async () => ({ vkey: testSigner().vkey, checkpoint: await journal.checkpoint() }), /^checkpoint: no signature from a known key; found signatures by unknown keys chartproof\.example\/journal\+[0-9a-f]{8}$/],
    ['a malformed verifier key', async () => ({ vkey: 'nonsense', checkpoint: await journal.checkpoint() }), /^verifier key: /],
    ['an entry proven at another tree size', async () => ({ vkey: journal.signer.vkey, checkpoint: await journal.checkpoint(), entry: await journal.entryResponse(INDEX, OLD_SIZE + 1) }), /^entry: the proof is for tree size 7, but the checkpoint has size 13$/],
    ['an index beyond the tree', async () => ({ vkey: journal.signer.vkey, checkpoint: await journal.checkpoint(), entry: { ...(await journal.entryResponse(INDEX)), index: 13 } }), /^inclusion proof does not verify: index 13 out of range for tree size 13$/],
    ['a proof one hash short', async () => {
      const response = await journal.entryResponse(INDEX);
      return { vkey: journal.signer.vkey, checkpoint: await journal.checkpoint(), entry: { ...response, proof: response.proof.slice(1) } };
    }, /^inclusion proof does not verify: wrong proof size 3, want 4$/],
    ['an entry response without a proof', async () => {
      const { proof: _proof, ...response } = await journal.entryResponse(INDEX);
      return { vkey: journal.signer.vkey, checkpoint: await journal.checkpoint(), entry: response };
    }, /^entry file proof: /],
    ['a consistency proof between other sizes', async () => ({ vkey: journal.signer.vkey, checkpoint: await journal.checkpoint(), consistency: { oldCheckpoint: await journal.checkpoint(OLD_SIZE), proof: journal.consistencyResponse(OLD_SIZE + 1, SIZE) } }), /^consistency proof is from size 7 to 13, but the checkpoints have sizes 6 and 13$/],
    ['an old checkpoint of another origin', async () => {
      const oldCheckpoint = await signCheckpoint({ origin: 'elsewhere.example', size: OLD_SIZE, root: journal.roots[OLD_SIZE] as Uint8Array, extensions: [] }, journal.signer);
      return { vkey: journal.signer.vkey, checkpoint: await journal.checkpoint(), consistency: { oldCheckpoint, proof: journal.consistencyResponse(OLD_SIZE, SIZE) } };
    }, /^old checkpoint is for origin elsewhere\.example, but the checkpoint is for chartproof\.example\/journal$/],
    ['an old checkpoint that is not a prefix of the new tree', async () => {
      const forked = buildJournal({ size: OLD_SIZE, signer: journal.signer });
      const oldCheckpoint = await signCheckpoint({ origin: ORIGIN, size: OLD_SIZE, root: new Uint8Array(32).fill(5), extensions: [] }, forked.signer);
      return { vkey: journal.signer.vkey, checkpoint: await journal.checkpoint(), consistency: { oldCheckpoint, proof: journal.consistencyResponse(OLD_SIZE, SIZE) } };
    }, /^consistency proof does not verify: computed root1 .+, want .+$/],
  ])('explains %s', async (_, input, reason) => {
    // Act
    const result = verifyBundle(await input());

    // Assess
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });

  it('rejects an entry that is not canonical JSON even when its leaf hash matches', async () => {
    // Prepare
    const response = await journal.entryResponse(INDEX);
    const entry = ` ${response.entry}`;
    const tampered = { ...response, entry, leafHash: Buffer.from(leafHash(utf8(entry))).toString('base64') };

    // Act
    const result = verifyBundle({ vkey: journal.signer.vkey, checkpoint: await journal.checkpoint(), entry: tampered });

    // Assess
    expect(result).toEqual({ ok: false, reason: 'entry: entry is not in RFC 8785 canonical form' });
  });

  it('rejects a file that is not UTF-8', () => {
    // Prepare
    const checkpoint = files.checkpoint.slice();
    checkpoint[3] = 0xc0;

    // Act
    const result: VerifyBundleResult = verifyBundleFiles({ vkey: files.vkey, checkpoint });

    // Assess
    expect(result).toEqual({ ok: false, reason: 'checkpoint file is not valid UTF-8' });
  });

  it('rejects an entry file that is not JSON', () => {
    // Act
    const result = verifyBundleFiles({ vkey: files.vkey, checkpoint: files.checkpoint, entry: utf8('{"index":') });

    // Assess
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/^entry file is not JSON: /) });
  });
});
