/**
 * What every `chartproof` subcommand does with its arguments: strict option parsing (no unknown
 * options, no positionals), and one error type that the subcommand turns into exit status 2.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/** The command line is wrong; the message says how, in one line. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses `args` against `options`; throws UsageError with node's first message line when they don't fit. */
export function parseCommandOptions<T extends ParseArgsOptionsConfig>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'invalid arguments');
  }
}
