/**
 * `chartproof token --role <role> --sub <id> [--patient <patientId>]` (API.md "Local tokens"):
 * prints a token for the local server on stdout, and nothing else, so `$(npm run -s token -- ...)`
 * can be pasted into an Authorization header.
 *
 * The signing key lives in the data directory (CHARTPROOF_DATA_DIR, default ./.chartproof), the
 * same one the local server reads, and is created on first use.
 *
 * Exit codes: 0 with the token on stdout; 2 for usage errors and an unusable key file (on stderr).
 */
import { resolve } from 'node:path';
import { ROLES, type Role } from '../http/actor.ts';
import { DEFAULT_TOKEN_LIFETIME_SECONDS, LocalTokenError, mintLocalToken, openLocalTokenKeys } from '../local/tokens.ts';
import { parseCommandOptions, UsageError } from './arguments.ts';

export const EXIT_OK = 0;
export const EXIT_USAGE = 2;
export const DEFAULT_DATA_DIR = './.chartproof';

const HELP = `Usage: chartproof token --role <role> --sub <id> [--patient <patientId>] [--expires-in <seconds>]

Prints a token for the local API server (npm start), shaped like a Cognito ID token:
  --role        one of ${ROLES.join(', ')} (the cognito:groups claim)
  --sub         the actor id (the sub claim)
  --patient     the patient's id (custom:patient_id); required with --role patient, refused otherwise
  --expires-in  lifetime in seconds (default ${DEFAULT_TOKEN_LIFETIME_SECONDS})
  --data-dir    where the signing key is (default: $CHARTPROOF_DATA_DIR, else ${DEFAULT_DATA_DIR})

Example: curl -H "Authorization: Bearer $(npm run -s token -- --role admin --sub a1)" ...`;

export type CliOutput = { out(line: string): void; err(line: string): void };

const processOutput: CliOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

type Options = { role: Role; sub: string; patientId?: string; expiresInSeconds: number; dataDir: string };

/** Runs `chartproof token` with the arguments after the subcommand; resolves with the exit code. */
export async function run(
  args: readonly string[],
  output: CliOutput = processOutput,
  environment: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  try {
    const options = parseOptions(args, environment);
    if (options === 'help') {
      output.out(HELP);
      return EXIT_OK;
    }
    const { privateKey } = await openLocalTokenKeys({ dataDir: options.dataDir });
    output.out(await mintLocalToken({ privateKey, ...options }));
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof LocalTokenError)) throw error;
    output.err(`chartproof token: ${error.message}; run 'chartproof token --help'`);
    return EXIT_USAGE;
  }
}

function parseOptions(args: readonly string[], environment: Readonly<Record<string, string | undefined>>): Options | 'help' {
  const values = parseCommandOptions(args, {
    role: { type: 'string' },
    sub: { type: 'string' },
    patient: { type: 'string' },
    'expires-in': { type: 'string' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  if (values.role === undefined) throw new UsageError('--role is required');
  if (!(ROLES as readonly string[]).includes(values.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  if (values.sub === undefined) throw new UsageError('--sub is required');
  const expiresIn = values['expires-in'] ?? String(DEFAULT_TOKEN_LIFETIME_SECONDS);
  if (!/^[1-9][0-9]{0,9}$/.test(expiresIn)) throw new UsageError('--expires-in must be a whole number of seconds');
  return {
    role: values.role as Role,
    sub: values.sub,
    ...(values.patient === undefined ? {} : { patientId: values.patient }),
    expiresInSeconds: Number(expiresIn),
    dataDir: resolve(values['data-dir'] ?? (environment.CHARTPROOF_DATA_DIR || DEFAULT_DATA_DIR)),
  };
}
