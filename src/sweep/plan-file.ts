/**
 * sweep.json: the whole expansion, written into the sweep folder by whoever starts the sweep
 * (local, queue, shard, Slurm script) — every run's index, id, grid point, trial, swept
 * parameters and resolved config, and the scheduler. Queue workers run what this file says, not
 * what a job in Redis says: a job only names a run of a sweep folder (see queue/job.ts).
 */
import { join } from 'node:path';
import { flatten, resolveConfig, type ResolvedConfig } from '../config/index.js';
import { UserError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { readJsonOrNull } from '../util/json.js';
import { checkSafeName } from '../util/names.js';
import type { PlannedRun } from './expand.js';
import type { SweepSpec } from './spec.js';

export const PLAN_FILE = 'sweep.json';

interface PlanFile {
  created: string;
  scheduler: SweepSpec['scheduler'];
  runs: Array<{ index: number; id: string; group: string; trial: number | null; params: Record<string, unknown>; config: ResolvedConfig }>;
}

export function writeSweepPlan(dir: string, runs: PlannedRun[], scheduler: SweepSpec['scheduler'] = null): void {
  writeJsonAtomic(join(dir, PLAN_FILE), {
    created: new Date().toISOString(),
    scheduler,
    runs: runs.map((r) => ({ index: r.index, id: r.id, group: r.group, trial: r.trial, params: r.params, config: r.config })),
  } satisfies PlanFile);
}

/** One run of the sweep in `dir`, as its sweep.json says, its config checked against the schema. */
export function readPlannedRun(dir: string, id: string): { run: PlannedRun; scheduler: SweepSpec['scheduler'] } {
  const file = join(dir, PLAN_FILE);
  const plan = readJsonOrNull<PlanFile>(file);
  if (!plan || !Array.isArray(plan.runs)) throw new UserError(`${file} is missing or unreadable: ${dir} is not a sweep folder written by \`highway sweep\``);
  const r = plan.runs.find((x) => x.id === id);
  if (!r) throw new UserError(`${file} has no run "${id}"`);
  const config = resolveConfig(flatten(r.config, `${file} run ${id} config`));
  checkSafeName(r.group, `${file} run ${id} group`);
  return {
    run: { index: r.index, id: checkSafeName(r.id, 'run id'), group: r.group, trial: r.trial, params: r.params ?? {}, config },
    scheduler: plan.scheduler ?? null,
  };
}
