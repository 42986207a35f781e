/**
 * Crash safety (PostgreSQL): a writer process is killed with SIGKILL at random moments, over and
 * over. Whatever it had been told was journaled must be there, at the index and with the leaf
 * hash it was told, the tree must verify, and the next writer must carry on.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leafHash } from '../../shared/ledger/hashing.ts';
import { auditJournal } from '../../shared/adapters/sql/audit.ts';
import { DEFAULT_JOURNAL_ROLES } from '../../shared/adapters/sql/roles.ts';
import { postgresFixture, WRITER_APPLICATION_NAME, type JournalFixture } from '../support/journal-databases.ts';
import { runAndKill } from '../support/run-and-kill.ts';
import { testDatabaseUrl } from '../support/services.ts';

const url = testDatabaseUrl();
const KILLS = 22;
const writer = fileURLToPath(new URL('../support/journal-writer.ts', import.meta.url));

type Acknowledged = { index: number; leafHash: string; entry: string };
type Run = { acknowledged: Acknowledged[]; problems: string[]; auditProblem?: string };

describe.skipIf(url === undefined)('a writer killed with SIGKILL, again and again', () => {
  let fixture: JournalFixture;
  let databaseUrl: string;
  const runs: Run[] = [];

  beforeAll(async () => {
    fixture = await postgresFixture(url as string);
    databaseUrl = fixture.url as string;
    await fixture.superuserQuery('CREATE TABLE chartproof.crash_projection (entry text PRIMARY KEY)');
    await fixture.superuserQuery(`GRANT SELECT, INSERT ON chartproof.crash_projection TO ${DEFAULT_JOURNAL_ROLES.runtime}`);
    const executor = await fixture.openExecutor();
    for (let run = 0; run < KILLS; run++) {
      const acknowledged = (await runAndKill(writer, [databaseUrl, '4', `run-${run}`], 50 + Math.random() * 450)).map((line) => JSON.parse(line) as Acknowledged);
      const problems = await checkAcknowledged(fixture, acknowledged);
      const report = await auditJournal(executor);
      runs.push({ acknowledged, problems, ...(report.problem ? { auditProblem: `${report.problem.place} ${report.problem.message}` } : {}) });
    }
    // One last run, killed too; once its backends are gone, an append integrates what it left queued.
    await runAndKill(writer, [databaseUrl, '4', 'last'], 200);
    await waitForWritersToEnd(fixture);
    await (await fixture.openStore()).append([Buffer.from('{"after":"the last kill"}')]);
  }, 600_000);

  afterAll(async () => {
    await fixture?.close();
  });

  it(`keeps every acknowledged entry at its index with its leaf hash, across ${KILLS} kills`, () => {
    // Assess
    expect(runs).toHaveLength(KILLS);
    expect(runs.flatMap((run) => run.problems)).toEqual([]);
  });

  it('passes the audit after every kill', () => {
    // Assess
    expect(runs.map((run) => run.auditProblem).filter((problem) => problem !== undefined)).toEqual([]);
  });

  it('carries on appending after every restart', () => {
    // Assess: every run, each started after the previous kill, got entries acknowledged
    expect(runs.map((run) => run.acknowledged.length > 0)).toEqual(runs.map(() => true));
  });

  it('journals every projection row that committed, even when its writer died before the receipt', async () => {
    // Act
    const orphans = await fixture.superuserQuery(
      `SELECT p.entry FROM chartproof.crash_projection p
       WHERE NOT EXISTS (SELECT FROM chartproof.journal_entries e WHERE e.entry = convert_to(p.entry, 'UTF8'))`,
    );
    // Assess
    expect(orphans).toEqual([]);
    expect((await fixture.superuserQuery('SELECT count(*)::int AS n FROM chartproof.journal_queue'))[0]).toEqual({ n: 0 });
  });
});


async function checkAcknowledged(fixture: JournalFixture, acknowledged: readonly Acknowledged[]): Promise<string[]> {
  const rows = await fixture.superuserQuery<{ idx: string; entry: Uint8Array }>(
    'SELECT idx, entry FROM chartproof.journal_entries WHERE idx = ANY($1::bigint[])',
    [acknowledged.map((item) => item.index)],
  );
  const stored = new Map(rows.map((row) => [Number(row.idx), Buffer.from(row.entry)]));
  return acknowledged.flatMap((item) => {
    const bytes = stored.get(item.index);
    if (bytes === undefined) return [`entry ${item.index} is missing`];
    if (bytes.toString() !== item.entry) return [`entry ${item.index} holds ${bytes.toString()}, acknowledged ${item.entry}`];
    if (Buffer.from(leafHash(bytes)).toString('base64') !== item.leafHash) return [`entry ${item.index} has another leaf hash`];
    return [];
  });
}

/** A killed client's backends finish what they were doing (a commit, an integration) before they notice. */
async function waitForWritersToEnd(fixture: JournalFixture): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const [row] = await fixture.superuserQuery<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
      [WRITER_APPLICATION_NAME],
    );
    if (row?.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the killed writers\' backends did not end');
}
