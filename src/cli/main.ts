import { Command, CommanderError } from 'commander';
import { isUserError } from '../errors.js';
import { clipEchoes } from '../util/strings.js';
import { versions } from '../util/versions.js';
import { trainCommand } from './train.js';
import { sweepCommand } from './sweep.js';
import { reportCommand } from './report.js';
import { benchCommand } from './bench.js';
import { analyzeCommand } from './analyze.js';
import { workerCommand } from './worker.js';
import { schemaCommand } from './schema.js';

/** commander's own errors echo the argument they refuse: clipped like ours (`--set <100 kB>`). */
const CLIPPED = { outputError: (text: string, write: (s: string) => void) => write(clipEchoes(text.replace(/^error: /, 'highway: error: '))) };

/** A message starts on a line of its own: after a progress bar on a terminal, a new line first (not in a log file). */
const userError = (message: string) => process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}highway: error: ${clipEchoes(message)}\n`);

/** Exit codes: 0 ok, 1 bug (stack printed), 2 user error (message only), 3 diverged, 4 some sweep runs failed, 130 interrupted. */
export function buildProgram(): Command {
  const program = new Command('highway')
    .description('Depth studies of Highway Networks against plain deep networks, on TensorFlow.js')
    .version(versions().highway ?? '0.0.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput(CLIPPED)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true });
  for (const cmd of [trainCommand(), sweepCommand(), workerCommand(), reportCommand(), analyzeCommand(), benchCommand(), schemaCommand()])
    program.addCommand(cmd.exitOverride().configureOutput(CLIPPED));
  program.addHelpText(
    'after',
    `
Quick start:
  $ highway train --depth 50            train a 50-layer highway net on MNIST, loss curve to CSV
  $ highway sweep configs/depth-quick.json   plain vs highway at depths 10-100, in parallel
  $ highway worker --queue redis://host:6379   run queued sweep runs (sweep --queue) on any machine
  $ highway report results/depth-quick      CSV, SVG and the comparison with the paper
  $ highway analyze <run-dir>               what the gates learned (gate statistics, lesioning)
  $ highway schema                      the config files' JSON Schema (editor completion)
  $ highway <command> --help            every option, with examples`,
  );
  return program;
}

/** A bug: its stack, and exit code 1 (on every backend; see backend/index.ts). */
function bug(e: unknown): void {
  process.stderr.write(`\nhighway: internal error (a bug; please report it with this output):\n${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
}

export async function main(argv: string[]): Promise<void> {
  // errors outside the command's own chain (a timer, an event handler) are bugs too
  process.on('uncaughtException', (e) => {
    if (isUserError(e)) {
      userError(e.message);
      process.exit(2);
    }
    bug(e);
    process.exit(1);
  });
  process.on('unhandledRejection', (e) => {
    bug(e);
    process.exit(1);
  });
  // `highway sweep … --list | head`: the reader went away; that is not an error of ours
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      // the terminal is gone (SIGHUP): the runs still stop and write their status; output is lost
      if (e.code === 'EIO') return;
      throw e;
    });
  }
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its message (or the help/version text)
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    if (isUserError(e)) {
      userError(e.message);
      process.exitCode = 2;
      return;
    }
    bug(e);
  }
}
