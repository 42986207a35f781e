#!/usr/bin/env node
/**
 * The `chartproof` command (package.json `bin`; API.md "CLI"): a dispatcher by subcommand.
 *
 * Each subcommand is a module exporting `run(args): Promise<number>`, which parses its own
 * arguments (node:util parseArgs) and returns the exit code. Modules load lazily, so one
 * subcommand's dependencies (a database driver, say) never slow down or break another.
 * Adding a subcommand is one line in `subcommands`.
 */
type SubcommandModule = { run(args: string[]): Promise<number> };
type Subcommand = { summary: string; load: () => Promise<SubcommandModule> };

const subcommands: Record<string, Subcommand> = {
  verify: { summary: 'check a signed checkpoint, an entry inclusion proof and a consistency proof offline', load: () => import('./verify.ts') },
  token: { summary: 'print a token for the local API server (--role, --sub, --patient)', load: () => import('./token.ts') },
  audit: { summary: 're-verify the whole journal in the configured database from scratch', load: () => import('./audit.ts') },
};

const EXIT_USAGE = 2;

function usage(): string {
  const width = Math.max(...Object.keys(subcommands).map((name) => name.length));
  return [
    'Usage: chartproof <command> [options]',
    '',
    'Commands:',
    ...Object.entries(subcommands).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`),
    '',
    "Run 'chartproof <command> --help' for a command's options.",
  ].join('\n');
}

async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined) {
    process.stderr.write(`${usage()}\n`);
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const subcommand = Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
  if (subcommand === undefined) {
    process.stderr.write(`chartproof: unknown command ${JSON.stringify(name)}; run 'chartproof --help'\n`);
    return EXIT_USAGE;
  }
  return (await subcommand.load()).run(rest);
}

// exitCode rather than process.exit(), so buffered output to pipes is flushed before exiting.
process.exitCode = await main(process.argv.slice(2));
