/**
 * `highway sweep --resume` continues the plan recorded in sweep.json, and only that plan: a config
 * edited since (other epochs, another grid, another scheduler) would mix two studies in one folder
 * (finished 1-epoch runs beside new 3-epoch ones). So a resume whose plan differs is refused,
 * naming the differences, unless the user asks to re-plan (`--replan`):
 * - kept: every run whose id and config are unchanged, finished or not (it continues);
 * - set aside: the folders of runs whose config changed or that left the plan move to
 *   `runs/.replaced/<id>-<time>/` (nothing is deleted; the report no longer counts them);
 * - re-planned: changed and new runs train from scratch; under successive halving, the rung
 *   records of every grid point that changed are cleared and its rungs decided again from the
 *   runs' own metrics.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeDifferences, differingPaths } from '../config/diff.js';
import { UserError } from '../errors.js';
import { RUN_FILES } from '../base/run-files.js';
import { writeJsonAtomic } from '../util/atomic.js';
import type { PlannedRun } from './expand.js';
import { readSweepPlan, type PlanFile } from './plan-file.js';
import { readSummary } from './pool.js';
import { SCHEDULER_DIR } from './rung-store.js';
import type { SweepSpec } from './spec.js';

interface PlanChange {
  /** One line per difference, for the message. */
  lines: string[];
  /** Run ids whose folders no longer match the plan (changed or dropped). */
  stale: string[];
  /** Grid points with a changed, added or dropped run. */
  groups: string[];
  schedulerChanged: boolean;
}

export function comparePlans(recorded: PlanFile, plan: PlannedRun[], scheduler: SweepSpec['scheduler']): PlanChange {
  const before = new Map(recorded.runs.map((r) => [r.id, r]));
  const after = new Map(plan.map((r) => [r.id, r]));
  const lines: string[] = [];
  const stale: string[] = [];
  const groups = new Set<string>();
  const schedulerChanged = differingPaths(recorded.scheduler ?? null, scheduler ?? null).length > 0;
  if (schedulerChanged) lines.push(`sweep.scheduler: ${JSON.stringify(recorded.scheduler ?? null)} → ${JSON.stringify(scheduler ?? null)}`);
  const added = plan.filter((r) => !before.has(r.id));
  const dropped = recorded.runs.filter((r) => !after.has(r.id));
  const changed = plan.filter((r) => before.has(r.id) && differingPaths(before.get(r.id)!.config, r.config).length > 0);
  if (changed.length > 0) {
    const first = changed[0]!;
    const was = before.get(first.id)!.config;
    lines.push(`${changed.length} run(s) with other settings, e.g. ${first.id}: ${describeDifferences(differingPaths(was, first.config), was, first.config)}`);
  }
  if (added.length > 0) lines.push(`${added.length} run(s) added (e.g. ${added[0]!.id})`);
  if (dropped.length > 0) lines.push(`${dropped.length} run(s) no longer planned (e.g. ${dropped[0]!.id})`);
  for (const r of [...changed, ...dropped]) stale.push(r.id);
  for (const r of [...changed, ...added]) groups.add(r.group);
  for (const r of dropped) groups.add(r.group);
  return { lines, stale, groups: [...groups], schedulerChanged };
}

/** How `plan` differs from the one sweep.json in `dir` recorded (null: no recorded plan, or no difference). */
function recordedPlanChange(dir: string, plan: PlannedRun[], scheduler: SweepSpec['scheduler']): PlanChange | null {
  const recorded = readSweepPlan(dir);
  if (!recorded) return null;
  const change = comparePlans(recorded, plan, scheduler);
  return change.lines.length > 0 ? change : null;
}

/**
 * Before enqueueing a sweep (again) or writing its Slurm script, which both write sweep.json: a
 * folder already planned otherwise is refused, since queue workers and array tasks run what
 * sweep.json says and its finished runs would sit beside runs of another plan.
 */
export function checkPlanBeforeWriting(dir: string, plan: PlannedRun[], scheduler: SweepSpec['scheduler'], how: string): void {
  const change = recordedPlanChange(dir, plan, scheduler);
  if (!change) return;
  throw new UserError(
    `${how}: the sweep in ${dir} was planned differently (sweep.json): ${change.lines.join('; ')}. Use the config it was started with, or give the changed sweep another --out`,
  );
}

/** Before a resume writes sweep.json: refuse a plan that differs from the recorded one, or re-plan on request. */
export function checkPlanOnResume(
  dir: string,
  plan: PlannedRun[],
  scheduler: SweepSpec['scheduler'],
  replan: boolean,
  runDir: (id: string) => string,
): string[] {
  const change = recordedPlanChange(dir, plan, scheduler);
  if (!change) return [];
  if (!replan) {
    throw new UserError(
      `--resume: the sweep in ${dir} was planned differently (sweep.json): ${change.lines.join('; ')}. Resume it with the config it was started with, or add --replan to re-plan (kept: unchanged runs; set aside: changed and dropped runs' folders, to runs/.replaced/)`,
    );
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  for (const id of change.stale) {
    const from = runDir(id);
    if (!existsSync(from)) continue;
    const to = join(dir, 'runs', '.replaced', `${id}-${stamp}`);
    mkdirSync(join(dir, 'runs', '.replaced'), { recursive: true });
    renameSync(from, to);
  }
  // a changed scheduler, or a changed grid point under successive halving: decide those rungs again
  const groups = change.schedulerChanged ? [...new Set(plan.map((r) => r.group))] : change.groups;
  for (const group of groups) {
    rmSync(join(dir, SCHEDULER_DIR, group), { recursive: true, force: true });
    for (const r of plan.filter((x) => x.group === group)) {
      const s = readSummary(runDir(r.id));
      if (s?.status === 'stopped' && typeof s.stopped?.reason === 'string' && s.stopped.reason.startsWith('SHA ')) {
        const { stopped: _stopped, ...rest } = s;
        writeJsonAtomic(join(runDir(r.id), RUN_FILES.summary), { ...rest, status: 'paused' });
      }
    }
  }
  return change.lines;
}
