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
