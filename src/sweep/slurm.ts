/**
 * `highway sweep <config> --emit slurm`: an sbatch script running the sweep as a job array, one
 * shard per array task. Everything is written with absolute paths (the cluster's nodes see the
 * same shared filesystem); the #SBATCH resource lines are meant to be edited.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { clip } from '../util/strings.js';

/** Single-quote a word for bash. */
export const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

const CONTROL_NAMES: Record<string, string> = { '\n': 'a newline', '\r': 'a carriage return', '\t': 'a tab' };

/**
 * A value for the script: quoting keeps the shell from reading it, but a control character (a
 * newline ends a comment and starts a command) is refused.
 */
function checkValue(value: string, what: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  const c = /[\u0000-\u001f\u007f]/.exec(value)?.[0];
  if (c === undefined) return;
  const name = CONTROL_NAMES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  throw new UserError(`${what}${clip(JSON.stringify(value).slice(1, -1))}: a job script cannot hold a control character (${name})`);
}

/**
 * sbatch reads its #SBATCH lines itself, with no shell quoting, and `%` in a file name is its
 * pattern character: the --output folder must be a plain path.
 */
function checkSbatchPath(dir: string): void {
  const bad = /[^\p{L}\p{N}_@+=:,./-]/u.exec(dir)?.[0];
  if (bad === undefined) return;
  throw new UserError(
    `--out ${clip(dir)}: the #SBATCH --output line cannot hold ${JSON.stringify(bad)} (sbatch reads it without shell quoting, and % is its file-name pattern); ` +
      'choose a folder path of letters, digits and _ . / - + = : , @',
  );
}

export interface SlurmScript {
  configFile: string;
  sweepDir: string;
  name: string;
  tasks: number;
  runs: number;
  sets: string[];
}

/** The script; a value it cannot hold safely is a UserError, before anything is written. */
export function slurmScript(s: SlurmScript): string {
  const bin = fileURLToPath(new URL('../../bin/highway.js', import.meta.url));
  const dir = resolve(s.sweepDir);
  checkValue(s.configFile, 'config file ');
  checkValue(resolve(s.configFile), 'config file ');
  checkValue(dir, '--out ');
  checkValue(bin, 'the highway install folder ');
  for (const v of s.sets) checkValue(v, '--set ');
  checkSbatchPath(dir);
  const cmd = [
    'node',
    shellQuote(bin),
    'sweep',
    shellQuote(resolve(s.configFile)),
    '--shard',
    `"\${SLURM_ARRAY_TASK_ID}/${s.tasks}"`,
    '--out',
    shellQuote(dir),
    '--jobs',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, for the job script
    '"${SLURM_CPUS_PER_TASK:-1}"',
    ...s.sets.flatMap((v) => ['--set', shellQuote(v)]),
  ].join(' ');
  return `#!/usr/bin/env bash
# highway sweep ${shellQuote(s.configFile)} as a Slurm job array: ${s.runs} runs in ${s.tasks} tasks,
# task i running shard i/${s.tasks} (the runs whose index ≡ i mod ${s.tasks}).
#
#   submit:          sbatch ${shellQuote(resolve(dir, 'sweep.sbatch'))}
#   watch:           squeue --me
#   when all finish: node ${shellQuote(bin)} report ${shellQuote(dir)}
#
# Resubmitting resumes: a task skips its finished runs and continues the others from their checkpoints.
# Edit the resource lines below for your cluster: a run is single-threaded (one CPU), and a
# depth-100 run on MNIST's 60,000 digits needs ≈0.5 GB; more CPUs per task run more runs at once.
#SBATCH --job-name=highway-${s.name}
#SBATCH --array=0-${s.tasks - 1}
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=24:00:00
#SBATCH --output=${dir}/slurm/%A_%a.out

set -euo pipefail
mkdir -p ${shellQuote(resolve(dir, 'slurm'))}
${cmd}
`;
}
