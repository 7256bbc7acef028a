/**
 * What a sweep's runner can train now, from the sweep folder: a "segment" is one run trained
 * from its checkpoint (or from scratch) to an epoch. Without a scheduler, or with ASHA (which
 * decides inside the run), a segment is the rest of the run. With SHA it ends at the run's next
 * rung, and later segments become ready as rungs are decided (sha-state.ts). Every runner — the
 * local pool, a queue worker, a shard — asks here, so all of them agree on what is next.
 */
import { existsSync } from 'node:fs';
import { latestCheckpoint } from '../runs/checkpoint.js';
import { isRunFolder, runFile } from '../runs/folder.js';
import type { RunSummary } from '../runs/run.js';
import type { PlannedRun } from './expand.js';
import { readSummary } from './pool.js';
import { shaNextSteps, type NextStep } from './sha-state.js';
import type { SweepSpec } from './spec.js';

export interface Segment {
  run: PlannedRun;
  /** Continue the run's folder (from its checkpoint, if any) rather than start it afresh. */
  resume: boolean;
  /** Stop (paused) after this epoch; absent: train to the end. */
  until?: number;
  /** Epoch it starts from (0: the beginning). */
  from: number;
}

export interface WorkState {
  ready: Segment[];
  /** Runs paused at a rung that is waiting for other members (trained elsewhere, or still in flight). */
  waiting: PlannedRun[];
  /** Runs finished for good (completed, diverged, stopped; failed where failures are final). */
  finished: PlannedRun[];
}

export interface WorkQuery {
  sweepDir: string;
  plan: PlannedRun[];
  scheduler: SweepSpec['scheduler'];
  runDir(id: string): string;
  /** Runs being trained by this runner now. */
  inFlight?: ReadonlySet<string>;
  /** Does a failed run count as finished, or is it to be tried again? */
  failedIsFinal(id: string): boolean;
}

/** Finished for good: trained to the end, diverged, or stopped early by the scheduler. Anything else can be run (again). */
export const isFinished = (s: RunSummary | null) => s !== null && (s.status === 'completed' || s.status === 'diverged' || s.status === 'stopped');

/** A run folder this tool wrote, with its config: continued from its checkpoint rather than replaced. */
export const canContinue = (dir: string) => isRunFolder(dir) && existsSync(runFile(dir, 'config'));

export function readyWork(q: WorkQuery): WorkState {
  const inFlight = q.inFlight ?? new Set<string>();
  if (q.scheduler && 'sha' in q.scheduler) return fromSteps(q, shaNextSteps({ ...q, spec: q.scheduler.sha, inFlight }));
  const ready: Segment[] = [];
  const finished: PlannedRun[] = [];
  for (const run of q.plan) {
    if (inFlight.has(run.id)) continue;
    const dir = q.runDir(run.id);
    const s = readSummary(dir);
    if (isFinished(s) || (s?.status === 'failed' && q.failedIsFinal(run.id))) finished.push(run);
    else ready.push({ run, resume: canContinue(dir), from: latestCheckpoint(dir)?.epoch ?? 0 });
  }
  return { ready, waiting: [], finished };
}

function fromSteps(q: WorkQuery, steps: Map<string, NextStep>): WorkState {
  const state: WorkState = { ready: [], waiting: [], finished: [] };
  for (const run of q.plan) {
    const step = steps.get(run.id)!;
    if (step.kind === 'done') state.finished.push(run);
    else if (step.kind === 'wait') state.waiting.push(run);
    else if (step.kind === 'train') state.ready.push({ run, resume: canContinue(q.runDir(run.id)), from: step.from, until: step.until });
  }
  return state;
}

/** Estimated cost of a segment (epochs × layers): the longest go first, so that no long one starts last and runs alone. */
export const segmentCost = (s: Segment) => ((s.until ?? s.run.config.train.epochs) - s.from) * s.run.config.model.depth;
