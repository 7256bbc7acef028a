/**
 * sweep.json: the whole expansion, written into the sweep folder by whoever starts the sweep
 * (local, queue, shard, Slurm script) — every run's index, id, grid point, trial, swept
 * parameters and resolved config, and the scheduler. Queue workers run what this file says, not
 * what a job in Redis says: a job only names a run of a sweep folder (see queue/job.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { flatten, resolveConfig, type ResolvedConfig } from '../config/index.js';
import { UserError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { readJsonOrNull } from '../util/json.js';
import { checkSafeName, isSafeName } from '../util/names.js';
import { differingPaths } from '../config/diff.js';
import type { PlannedRun } from './expand.js';
import type { SweepSpec } from './spec.js';
import { schedulerOf, sweepSchema } from './schema.js';
import { SWEEP_FILES } from '../base/run-files.js';

export const PLAN_FILE = SWEEP_FILES.plan;

export interface PlanFile {
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

/** The plan recorded in `dir` (null: none yet, or unreadable). */
export const readSweepPlan = (dir: string): PlanFile | null => {
  const plan = readJsonOrNull<PlanFile>(join(dir, PLAN_FILE));
  return plan && Array.isArray(plan.runs) ? plan : null;
};

/**
 * A folder planned by an earlier version keeps the run ids it recorded: if sweep.json holds the
 * same runs (index, trial, parameters and config) under other names — a change in how names are
 * made, such as telling apart names that differ only in case — the recorded names stay, so a
 * resume or a second enqueue finds its folders. Any other difference is for the resume's own
 * check (replan.ts).
 */
export function keepRecordedIds(dir: string, plan: PlannedRun[]): PlannedRun[] {
  const recorded = readSweepPlan(dir);
  if (!recorded || recorded.runs.length !== plan.length) return plan;
  const old = recorded.runs;
  const sameRuns = plan.every(
    (r, i) =>
      old[i]?.index === r.index &&
      old[i]?.trial === r.trial &&
      differingPaths(old[i]!.params ?? {}, r.params).length === 0 &&
      differingPaths(old[i]!.config, r.config).length === 0,
  );
  if (!sameRuns || plan.every((r, i) => r.id === old[i]!.id && r.group === old[i]!.group)) return plan;
  const names = old.flatMap((r) => [r.id, r.group]);
  if (!names.every((n) => typeof n === 'string' && isSafeName(n)) || new Set(old.map((r) => r.id)).size !== old.length) return plan;
  return plan.map((r, i) => ({ ...r, id: old[i]!.id, group: old[i]!.group }));
}

/** A recorded run, its config checked against the schema (sweep.json may come from anyone who can write the folder). */
function checkedRun(file: string, r: PlanFile['runs'][number]): PlannedRun {
  const id = checkSafeName(r.id, 'run id');
  const config = resolveConfig(flatten(r.config, `${file} run ${id} config`));
  checkSafeName(r.group, `${file} run ${id} group`);
  return { index: r.index, id, group: r.group, trial: r.trial, params: r.params ?? {}, config };
}

function checkedScheduler(file: string, raw: unknown): SweepSpec['scheduler'] {
  if (raw === null || raw === undefined) return null;
  const parsed = sweepSchema.shape.scheduler.safeParse(raw);
  if (!parsed.success) throw new UserError(`${file}: "scheduler" is not a scheduler this version knows`);
  return schedulerOf(parsed.data);
}

function readPlanFile(dir: string): { file: string; plan: PlanFile } {
  const file = join(dir, PLAN_FILE);
  const plan = readJsonOrNull<PlanFile>(file);
  if (!plan || !Array.isArray(plan.runs)) throw new UserError(`${file} is missing or unreadable: ${dir} is not a sweep folder written by \`highway sweep\``);
  return { file, plan };
}

/** One run of the sweep in `dir`, as its sweep.json says, its config checked against the schema. */
export function readPlannedRun(dir: string, id: string): { run: PlannedRun; scheduler: SweepSpec['scheduler'] } {
  const { file, plan } = readPlanFile(dir);
  const r = plan.runs.find((x) => x.id === id);
  if (!r) throw new UserError(`${file} has no run "${id}"`);
  return { run: checkedRun(file, r), scheduler: checkedScheduler(file, plan.scheduler) };
}

/** The last whole plan read, per folder: a queue worker asks for it after every segment of an 800-run sweep. */
const planCache = new Map<string, { mtimeMs: number; runs: PlannedRun[]; scheduler: SweepSpec['scheduler'] }>();

/** Every run of the sweep in `dir` (checked as readPlannedRun checks one), and its scheduler. */
export function readPlannedRuns(dir: string): { runs: PlannedRun[]; scheduler: SweepSpec['scheduler'] } {
  const file = join(dir, PLAN_FILE);
  const mtimeMs = existsSync(file) ? statSync(file).mtimeMs : -1;
  const cached = planCache.get(dir);
  if (cached && cached.mtimeMs === mtimeMs) return cached;
  const { plan } = readPlanFile(dir);
  const read = { mtimeMs, runs: plan.runs.map((r) => checkedRun(file, r)), scheduler: checkedScheduler(file, plan.scheduler) };
  planCache.set(dir, read);
  return read;
}
