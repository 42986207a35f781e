/**
 * `chartproof verify` (API.md "CLI"): reads the files named on the command line and hands their
 * bytes to verifyBundleFiles (shared/ledger/verify-bundle.ts), which does all the checking.
 *
 * Exit codes: 0 when every requested check passes (one "OK: ..." line on stdout); 1 when one fails
 * (one "FAILED: <reason>" line on stderr); 2 for usage errors and unreadable files.
 */
import { readFile } from 'node:fs/promises';
import { verifyBundleFiles, type VerifyBundleFiles } from '../../shared/ledger/verify-bundle.ts';
import { parseCommandOptions, UsageError } from './arguments.ts';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const HELP = `Usage: chartproof verify --vkey K --checkpoint C [--entry E] [--old-checkpoint O --consistency P]

Verifies, offline and with only the log's public key, that:
  - the checkpoint C is signed by the key in K;
  - with --entry: the entry in E is included in the tree of checkpoint C;
  - with --old-checkpoint and --consistency: checkpoint C extends checkpoint O.

Files:
  K  the verifier key (GET /v1/ledger/key), e.g. "example.com/log+1a2b3c4d+AU...="
  C  a signed checkpoint note (GET /v1/ledger/checkpoint)
  E  a saved GET /v1/ledger/entries/{index}?treeSize=<size of C> response (JSON); its own
     "checkpoint" field is not trusted: the proof is checked against C
  O  an older signed checkpoint note
  P  a saved GET /v1/ledger/consistency?from=<size of O>&to=<size of C> response (JSON)

Exit status: 0 all checks pass; 1 a check fails (the reason is printed on one line); 2 usage error.`;

export type CliOutput = { out(line: string): void; err(line: string): void };

const processOutput: CliOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

type Options = { vkey: string; checkpoint: string; entry?: string; oldCheckpoint?: string; consistency?: string };

/** Runs `chartproof verify` with the arguments after the subcommand; resolves with the exit code. */
export async function run(args: readonly string[], output: CliOutput = processOutput): Promise<number> {
  let files: VerifyBundleFiles;
  try {
    const options = parseOptions(args);
    if (options === 'help') {
      output.out(HELP);
      return EXIT_OK;
    }
    files = await readFiles(options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`chartproof verify: ${error.message}; run 'chartproof verify --help'`);
    return EXIT_USAGE;
  }
  const result = verifyBundleFiles(files);
  if (result.ok) {
    output.out(`OK: ${result.summary}`);
    return EXIT_OK;
  }
  output.err(`FAILED: ${result.reason}`);
  return EXIT_FAILED;
}

function parseOptions(args: readonly string[]): Options | 'help' {
  const values = parseCommandOptions(args, {
    vkey: { type: 'string' },
    checkpoint: { type: 'string' },
    entry: { type: 'string' },
    'old-checkpoint': { type: 'string' },
    consistency: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  if (values.vkey === undefined) throw new UsageError('--vkey is required');
  if (values.checkpoint === undefined) throw new UsageError('--checkpoint is required');
  if ((values['old-checkpoint'] === undefined) !== (values.consistency === undefined)) {
    throw new UsageError('--old-checkpoint and --consistency go together');
  }
  return { vkey: values.vkey, checkpoint: values.checkpoint, entry: values.entry, oldCheckpoint: values['old-checkpoint'], consistency: values.consistency };
}

async function readFiles(options: Options): Promise<VerifyBundleFiles> {
  const files: VerifyBundleFiles = { vkey: await read('--vkey', options.vkey), checkpoint: await read('--checkpoint', options.checkpoint) };
  if (options.entry !== undefined) files.entry = await read('--entry', options.entry);
  if (options.oldCheckpoint !== undefined) files.oldCheckpoint = await read('--old-checkpoint', options.oldCheckpoint);
  if (options.consistency !== undefined) files.consistency = await read('--consistency', options.consistency);
  return files;
}

async function read(option: string, path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read ${option} file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
