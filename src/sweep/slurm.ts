/**
 * `highway sweep <config> --emit slurm`: an sbatch script running the sweep as a job array, one
 * shard per array task. Everything is written with absolute paths (the cluster's nodes see the
 * same shared filesystem); the #SBATCH resource lines are meant to be edited.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Single-quote a word for bash. */
export const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export interface SlurmScript {
  configFile: string;
  sweepDir: string;
  name: string;
  tasks: number;
  runs: number;
  sets: string[];
}

export function slurmScript(s: SlurmScript): string {
  const bin = fileURLToPath(new URL('../../bin/highway.js', import.meta.url));
  const dir = resolve(s.sweepDir);
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
# highway sweep ${s.configFile} as a Slurm job array: ${s.runs} runs in ${s.tasks} tasks,
# task i running shard i/${s.tasks} (the runs whose index ≡ i mod ${s.tasks}).
#
#   submit:          sbatch ${shellQuote(resolve(dir, 'sweep.sbatch'))}
#   watch:           squeue --me
#   when all finish: node ${shellQuote(bin)} report ${shellQuote(dir)}
#
# Resubmitting resumes: a task skips its runs that already completed or diverged.
# Edit the resource lines below for your cluster (a depth-100 MNIST run needs ≈0.5 GB).
#SBATCH --job-name=highway-${s.name}
#SBATCH --array=0-${s.tasks - 1}
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=24:00:00
#SBATCH --output=${dir}/slurm/%A_%a.out

set -euo pipefail
mkdir -p ${shellQuote(resolve(dir, 'slurm'))}
${cmd}
`;
}
