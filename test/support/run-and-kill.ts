/**
 * For the crash tests: runs a Node 24 script, waits for its first complete line of output, lets it
 * work `afterMs` longer, kills it with SIGKILL and returns the complete lines it printed (a line
 * cut by the kill never counts).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const node = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));

export async function runAndKill(script: string, args: readonly string[], afterMs: number): Promise<string[]> {
  const child = spawn(node, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const started = Date.now();
  while (!output.includes('\n')) {
    if (Date.now() - started > 30_000 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`${script} printed nothing: ${errors.slice(0, 500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  child.kill('SIGKILL');
  await exited;
  return output.split('\n').slice(0, -1);
}
