/**
 * `chartproof audit` (API.md "CLI"): re-verifies the whole journal in the configured database from
 * scratch (auditJournal in shared/adapters/sql/audit.ts): every leaf hash from the stored entry
 * bytes, every stored tree node, the tree head, and every signed checkpoint (signature, and root
 * against the recomputed tree at its size). A composition root: the only part that reads the
 * environment.
 *
 * Where the journal is: DATABASE_URL (PostgreSQL; the user needs SELECT on the journal tables), or
 * else the PGlite database in CHARTPROOF_DATA_DIR (default ./.chartproof), which must not be open
 * in another process (stop the local server first: PGlite is single-process).
 * The verifier key: --vkey FILE (the C2SP vkey, as GET /v1/ledger/key serves it), or else, with
 * PGlite, the local signing key CHARTPROOF_DATA_DIR/keys/checkpoint-signing.pem named
 * CHARTPROOF_LOG_ORIGIN (default chartproof.local/journal).
 *
 * Exit codes: 0 the journal verifies (a summary on stdout); 1 a mismatch ("FAILED: <place>: <what>"
 * on stderr, naming the first bad place in journal order); 2 usage or configuration errors.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import pg from 'pg';
import { openLocalSigner } from '../../shared/adapters/local-signer.ts';
import { openPglite, pgliteExecutor } from '../../shared/adapters/pglite/executor.ts';
import { postgresClientExecutor } from '../../shared/adapters/postgres/executor.ts';
import { auditJournal, AuditVerifierRequiredError, checkJournalEntryFormat, type AuditReport } from '../../shared/adapters/sql/audit.ts';
import type { SqlExecutor } from '../../shared/adapters/sql/executor.ts';
import { verifierFromVkey, type NoteVerifier } from '../../shared/ledger/vkey.ts';
import { parseCommandOptions, UsageError } from './arguments.ts';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const DEFAULT_ORIGIN = 'chartproof.local/journal';

const HELP = `Usage: chartproof audit [--vkey FILE] [--progress] [--skip-entry-format]

Re-verifies the whole journal from scratch: recomputes every leaf hash from the stored entry
bytes and every stored tree node, checks the tree head, and checks every signed checkpoint's
signature and root. Stops at the first mismatch and names it.

Options:
  --vkey FILE            the log's verifier key (GET /v1/ledger/key); default with PGlite: the
                         local signing key in CHARTPROOF_DATA_DIR
  --progress             show a progress bar on stderr even when it is not a terminal
  --skip-entry-format    do not check that each entry is a canonical, schema-valid journal entry
                         (the tree is still checked in full)

Environment:
  DATABASE_URL           audit this PostgreSQL database
  CHARTPROOF_DATA_DIR    otherwise, the PGlite database in this data directory (default ./.chartproof);
                         stop the local server first
  CHARTPROOF_LOG_ORIGIN  the local signing key's name (default ${DEFAULT_ORIGIN})

Exit status: 0 the journal verifies; 1 a mismatch (the first bad place is printed); 2 usage error.`;

export type CliOutput = { out(line: string): void; err(line: string): void; progressStream?: NodeJS.WriteStream | undefined };

const processOutput: CliOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  progressStream: process.stderr,
};

type Options = { vkey?: string | undefined; progress: boolean; skipEntryFormat: boolean };
type Environment = Readonly<Record<string, string | undefined>>;

/** Runs `chartproof audit` with the arguments after the subcommand; resolves with the exit code. */
export async function run(args: readonly string[], output: CliOutput = processOutput, env: Environment = process.env): Promise<number> {
  let executor: SqlExecutor | undefined;
  try {
    const options = parseOptions(args);
    if (options === 'help') {
      output.out(HELP);
      return EXIT_OK;
    }
    // An empty variable counts as unset, as in a shell's DATABASE_URL= prefix.
    env = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
    const dataDir = resolve(env.CHARTPROOF_DATA_DIR ?? '.chartproof');
    const verifier = await loadVerifier(options, env, dataDir);
    executor = await openJournal(env, dataDir);
    const started = performance.now();
    const report = await auditWithProgress(executor, { verifier, options, output });
    const seconds = (performance.now() - started) / 1000;
    if (report.problem !== undefined) {
      output.err(`FAILED: ${report.problem.place}: ${report.problem.message}`);
      return EXIT_FAILED;
    }
    output.out(summary(report, seconds));
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof AuditVerifierRequiredError)) throw error;
    output.err(`chartproof audit: ${error.message}; run 'chartproof audit --help'`);
    return EXIT_USAGE;
  } finally {
    await executor?.close();
  }
}

function parseOptions(args: readonly string[]): Options | 'help' {
  const values = parseCommandOptions(args, {
    vkey: { type: 'string' },
    progress: { type: 'boolean' },
    'skip-entry-format': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  return { vkey: values.vkey, progress: values.progress === true, skipEntryFormat: values['skip-entry-format'] === true };
}

/** The verifier from --vkey, or with PGlite the local signing key; undefined when neither is there. */
async function loadVerifier(options: Options, env: Environment, dataDir: string): Promise<NoteVerifier | undefined> {
  if (options.vkey !== undefined) {
    let text: string;
    try {
      text = await readFile(options.vkey, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --vkey file ${options.vkey}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    try {
      return verifierFromVkey(text.trim());
    } catch (error) {
      throw new UsageError(`--vkey file ${options.vkey} does not hold a verifier key: ${(error as Error).message}`);
    }
  }
  const keyFile = join(dataDir, 'keys', 'checkpoint-signing.pem');
  if (env.DATABASE_URL !== undefined || !existsSync(keyFile)) return undefined;
  const signer = await openLocalSigner({ keyFile, keyName: env.CHARTPROOF_LOG_ORIGIN ?? DEFAULT_ORIGIN });
  return verifierFromVkey(signer.vkey);
}

async function openJournal(env: Environment, dataDir: string): Promise<SqlExecutor> {
  if (env.DATABASE_URL !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(env.DATABASE_URL)) throw new UsageError('DATABASE_URL must be a postgresql:// URL');
    const client = new pg.Client({ connectionString: env.DATABASE_URL, application_name: 'chartproof-audit' });
    try {
      await client.connect();
    } catch (error) {
      throw new UsageError(`cannot connect to DATABASE_URL: ${(error as Error).message}`);
    }
    return postgresClientExecutor(client);
  }
  const pgliteDir = join(dataDir, 'pglite');
  // Opening a missing directory would create an empty database rather than audit one.
  if (!existsSync(pgliteDir)) throw new UsageError(`no journal in ${pgliteDir} (set CHARTPROOF_DATA_DIR or DATABASE_URL)`);
  return pgliteExecutor(await openPglite(pgliteDir));
}

async function auditWithProgress(
  executor: SqlExecutor,
  context: { verifier: NoteVerifier | undefined; options: Options; output: CliOutput },
): Promise<AuditReport> {
  const { verifier, options, output } = context;
  const stream = output.progressStream;
  const showProgress = stream !== undefined && (options.progress || stream.isTTY === true);
  const bar = showProgress
    ? new cliProgress.SingleBar(
        { stream, format: 'auditing |{bar}| {percentage}% {value}/{total} entries, {eta_formatted} left', noTTYOutput: options.progress, etaBuffer: 20 },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let started = false;
  try {
    return await auditJournal(executor, {
      ...(verifier === undefined ? {} : { verifier }),
      ...(options.skipEntryFormat ? {} : { checkEntry: checkJournalEntryFormat }),
      onProgress: (done, total) => {
        if (bar === undefined) return;
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.update(done);
      },
    });
  } finally {
    if (started) bar?.stop();
  }
}

function summary(report: AuditReport, seconds: number): string {
  const rate = report.entriesChecked === 0 ? '' : `, ${Math.round(report.entriesChecked / seconds).toLocaleString('en-US')} entries/s`;
  return (
    `OK: ${report.entriesChecked} entries, ${report.nodesChecked} tree nodes and ${report.checkpointsChecked} signed checkpoints verified; ` +
    `tree size ${report.treeSize} (${seconds.toFixed(1)} s${rate})`
  );
}
