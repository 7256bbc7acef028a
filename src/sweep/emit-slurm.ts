/**
 * `highway sweep --emit slurm`: write the sweep's plan and an sbatch job array running it, one
 * shard per task (slurm.ts writes the script). Every value is checked before any folder is made.
 */
import { join } from 'node:path';
import { makeFolder } from '../runs/folder.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { PlannedRun } from './expand.js';
import { writeSweepPlan } from './plan-file.js';
import { slurmScript } from './slurm.js';
import type { SweepSpec } from './spec.js';
import { checkPlanBeforeWriting } from './replan.js';

export interface EmitOptions {
  configFile: string;
  plan: PlannedRun[];
  dir: string;
  name: string;
  scheduler: SweepSpec['scheduler'];
  /** Array tasks (default: one per run, at most 1,000). */
  tasks?: number;
  /** The --set assignments, passed on to every task. */
  sets: string[];
}

/** Returns the script's path and how many tasks it has. */
export function emitSlurm(o: EmitOptions): { path: string; tasks: number } {
  const tasks = Math.min(o.tasks ?? Math.min(o.plan.length, 1000), o.plan.length);
  // the script first: a value it cannot hold is refused before any folder is made
  const script = slurmScript({ configFile: o.configFile, sweepDir: o.dir, name: o.name, tasks, runs: o.plan.length, sets: o.sets });
  checkPlanBeforeWriting(o.dir, o.plan, o.scheduler, '--emit slurm');
  // Slurm opens the output files before the script runs: their folder must exist already
  makeFolder(o.dir);
  makeFolder(join(o.dir, 'slurm'));
  writeSweepPlan(o.dir, o.plan, o.scheduler);
  const path = join(o.dir, 'sweep.sbatch');
  writeFileAtomic(path, script);
  return { path, tasks };
}
