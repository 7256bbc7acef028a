import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/highway.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real executable, as a user would. */
export function highway(args: string[], cwd?: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A stack trace line, which a user error must never print. */
export const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

/** A background `highway …` process, its stdout and stderr collected together. */
export function startHighway(args: string[], opts: { detached?: boolean } = {}): { child: ChildProcess; out: () => string; exit: Promise<number | null> } {
  // detached: its own process group, like a command in its own terminal
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: Boolean(opts.detached) });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { child, out: () => out, exit };
}

/**
 * The message a command line is refused with, in this process (no spawn: for the many variants
 * of a case whose first one a test runs end to end): the UserError or commander error that
 * parsing (or the action, up to its first check) throws. Refuses to pass when nothing is thrown.
 */
export async function refusal(args: string[]): Promise<string> {
  const { buildProgram } = await import('../../src/cli/main.js');
  const { isUserError } = await import('../../src/errors.js');
  const { CommanderError } = await import('commander');
  const program = buildProgram();
  const silent = { writeErr: () => {}, outputError: () => {} };
  for (const c of [program, ...program.commands]) c.configureOutput(silent);
  try {
    await program.parseAsync(['node', 'highway', ...args]);
  } catch (e) {
    if (isUserError(e) || e instanceof CommanderError) return e.message;
    throw e;
  }
  throw new Error(`highway ${args.join(' ').slice(0, 200)} was not refused`);
}
