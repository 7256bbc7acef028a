/**
 * The producer side of queue mode: one BullMQ job per run (job id = run id), idempotently, and
 * the sweep's progress as the queue and the run folders see it. The run folders stay the
 * record: a run whose folder says completed or diverged is never queued again.
 */
import { resolve } from 'node:path';
import { Queue } from 'bullmq';
import { UserError } from '../errors.js';
import type { ResolvedConfig } from '../config/index.js';
import type { PlannedRun } from '../sweep/expand.js';
import type { SweepSpec } from '../sweep/spec.js';
import { isFinished, runDir } from '../sweep/run-sweep.js';
import { readSummary } from '../sweep/pool.js';
import { reachableRedis } from './connection.js';

/** What a queued job carries: everything a worker on another machine needs to run it. */
export interface QueueJobData {
  /** The sweep folder as the enqueuing machine saw it (a shared filesystem is assumed). */
  sweepDir: string;
  id: string;
  index: number;
  trial: number | null;
  params: Record<string, unknown>;
  config: ResolvedConfig;
  /** The run's grid point, and the sweep's early-stopping scheduler (null: none). */
  group: string;
  scheduler: SweepSpec['scheduler'];
}

/** Attempts per job: a run that fails (or whose worker dies) once is tried once more elsewhere. */
export const ATTEMPTS = 2;

const PENDING = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

export async function openQueue(url: string, name: string): Promise<Queue<QueueJobData>> {
  return new Queue<QueueJobData>(name, { connection: await reachableRedis(url) });
}

export interface EnqueueResult {
  added: string[];
  /** Already waiting or running: left alone. */
  pending: string[];
  /** Finished in their folders: not queued. */
  finished: string[];
  /** Failed or completed in the queue but not finished on disk: queued again. */
  requeued: string[];
}

export async function enqueueSweep(queue: Queue<QueueJobData>, runs: PlannedRun[], dir: string, scheduler: SweepSpec['scheduler'] = null): Promise<EnqueueResult> {
  const sweepDir = resolve(dir);
  const result: EnqueueResult = { added: [], pending: [], finished: [], requeued: [] };
  for (const run of runs) {
    if (isFinished(readSummary(runDir(sweepDir, run.id)))) {
      result.finished.push(run.id);
      continue;
    }
    const data: QueueJobData = { sweepDir, id: run.id, index: run.index, trial: run.trial, params: run.params, config: run.config, group: run.group, scheduler };
    const existing = await queue.getJob(run.id);
    if (existing) {
      const state = await existing.getState();
      if (PENDING.has(state)) {
        if (existing.data.sweepDir !== sweepDir) {
          throw new UserError(
            `queue "${queue.name}" already has run ${run.id} ${state} for the sweep in ${existing.data.sweepDir}; ` +
              `use --queue-name to keep two sweeps apart, or wait for that one to finish`,
          );
        }
        result.pending.push(run.id);
        continue;
      }
      // finished in the queue but not on disk (failed, or the folder was removed): run it again
      await existing.remove();
      result.requeued.push(run.id);
    } else {
      result.added.push(run.id);
    }
    await queue.add('run', data, { jobId: run.id, attempts: ATTEMPTS, removeOnComplete: false, removeOnFail: false });
  }
  return result;
}

export interface SweepProgress {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  /** Finished in their folders (completed or diverged), whatever the queue says. */
  finishedOnDisk: number;
  /** Neither finished on disk nor known to the queue. */
  notQueued: number;
  total: number;
  failedRuns: Array<{ id: string; reason: string }>;
}

/** This sweep's runs, by queue state; a run finished on disk counts as completed. */
export async function sweepProgress(queue: Queue<QueueJobData>, runs: PlannedRun[], dir: string): Promise<SweepProgress> {
  const sweepDir = resolve(dir);
  const p: SweepProgress = { waiting: 0, active: 0, completed: 0, failed: 0, finishedOnDisk: 0, notQueued: 0, total: runs.length, failedRuns: [] };
  await Promise.all(
    runs.map(async (run) => {
      const onDisk = isFinished(readSummary(runDir(sweepDir, run.id)));
      if (onDisk) p.finishedOnDisk++;
      const job = await queue.getJob(run.id);
      const state = job && job.data.sweepDir === sweepDir ? await job.getState() : 'unknown';
      if (state === 'completed' || (onDisk && state === 'unknown')) p.completed++;
      else if (state === 'failed') {
        p.failed++;
        p.failedRuns.push({ id: run.id, reason: job?.failedReason ?? '' });
      } else if (state === 'active') p.active++;
      else if (PENDING.has(state)) p.waiting++;
      else p.notQueued++;
    }),
  );
  p.failedRuns.sort((a, b) => a.id.localeCompare(b.id));
  return p;
}

export const formatProgress = (p: SweepProgress) =>
  `${p.waiting} waiting, ${p.active} active, ${p.completed} completed, ${p.failed} failed${p.notQueued ? `, ${p.notQueued} not queued` : ''} (of ${p.total})`;
