/**
 * The producer side of queue mode: one BullMQ job per run (job id = run id), idempotently, and
 * the sweep's progress as the run folders, the run leases and the queue see it. The sweep folder
 * stays the record: a job only names a run of a sweep folder, whose sweep.json says what to run;
 * a run whose folder says completed, diverged or stopped is never queued again.
 */
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { UserError } from '../errors.js';
import { describeHolder, readLease, isStale } from '../runs/lease.js';
import { printable } from '../util/escape.js';
import type { PlannedRun } from '../sweep/expand.js';
import { isFinished, runDir } from '../sweep/run-sweep.js';
import { readyWork, type Segment } from '../sweep/work.js';
import type { SweepSpec } from '../sweep/spec.js';
import { LEASES_DIR } from '../sweep/run-lease.js';
import { readSummary } from '../sweep/pool.js';
import { COMMAND_TIMEOUT_MS, reachableRedis } from './connection.js';

/** What a queued job carries: which run of which sweep folder (untrusted: see queue/job.ts). */
export interface QueueJobData {
  /** The sweep folder as the enqueuing machine saw it (a shared filesystem is assumed). */
  sweepDir: string;
  id: string;
  index: number;
}

/** Attempts per job: a run that fails (or whose worker dies) once is tried once more elsewhere. */
export const ATTEMPTS = 2;

const PENDING = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

export async function openQueue(url: string, name: string): Promise<Queue<QueueJobData>> {
  // the producer never blocks on Redis: a command that gets no answer is an error, not a hang
  return new Queue<QueueJobData>(name, { connection: { ...(await reachableRedis(url)), commandTimeout: COMMAND_TIMEOUT_MS } });
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

/**
 * A job per segment that is ready: the run id (successive halving: the run id and the epoch the
 * segment trains to, since a run is queued once per rung). Adding is idempotent by job id.
 */
export const jobIdOf = (s: Segment, scheduler: SweepSpec['scheduler']) =>
  scheduler && 'sha' in scheduler ? `${s.run.id}@${s.until ?? s.run.config.train.epochs}` : s.run.id;

/**
 * Queue what is ready in the sweep folder (every unfinished run; under successive halving, each
 * run's next segment). Everything is checked before anything is added: a refused sweep leaves the
 * queue as it was. `runs` limits it to some runs of the plan (a shard); failed runs are queued again.
 */
export async function enqueueSweep(
  queue: Queue<QueueJobData>,
  plan: PlannedRun[],
  dir: string,
  scheduler: SweepSpec['scheduler'] = null,
  runs: PlannedRun[] = plan,
): Promise<EnqueueResult> {
  const sweepDir = resolve(dir);
  const only = new Set(runs.map((r) => r.id));
  const work = readyWork({ sweepDir, plan, scheduler, runDir: (id) => runDir(sweepDir, id), failedIsFinal: () => false });
  return enqueueSegments(
    queue,
    work.ready.filter((s) => only.has(s.run.id)),
    sweepDir,
    scheduler,
    work.finished.filter((r) => only.has(r.id)).map((r) => r.id),
  );
}

export async function enqueueSegments(
  queue: Queue<QueueJobData>,
  segments: Segment[],
  sweepDir: string,
  scheduler: SweepSpec['scheduler'],
  finished: string[] = [],
): Promise<EnqueueResult> {
  const result: EnqueueResult = { added: [], pending: [], finished, requeued: [] };
  const toAdd: Array<{ seg: Segment; jobId: string; replace: boolean }> = [];
  for (const seg of segments) {
    const jobId = jobIdOf(seg, scheduler);
    const existing = await queue.getJob(jobId);
    const state = existing ? await existing.getState() : null;
    if (existing && state && PENDING.has(state)) {
      if (existing.data.sweepDir !== sweepDir) {
        throw new UserError(
          `queue "${queue.name}" already has run ${seg.run.id} ${state} for the sweep in ${existing.data.sweepDir}; ` +
            `use --queue-name to keep two sweeps apart, or wait for that one to finish (nothing was queued)`,
        );
      }
      result.pending.push(seg.run.id);
      continue;
    }
    toAdd.push({ seg, jobId, replace: existing !== undefined });
  }
  for (const { seg, jobId, replace } of toAdd) {
    // finished in the queue but not on disk (failed, or the folder was removed): run it again
    if (replace) await (await queue.getJob(jobId))?.remove();
    await queue.add('run', { sweepDir, id: seg.run.id, index: seg.run.index }, { jobId, attempts: ATTEMPTS, removeOnComplete: false, removeOnFail: false });
    (replace ? result.requeued : result.added).push(seg.run.id);
  }
  return result;
}

export interface SweepProgress {
  waiting: number;
  active: number;
  /** Finished runs by how they ended: trained to the end, stopped early (a scheduler, patience), diverged. */
  completed: number;
  stopped: number;
  diverged: number;
  failed: number;
  /** Successive halving: waiting at a rung for the other runs of their grid point. */
  paused: number;
  /** Neither finished on disk nor known to the queue (Redis lost it): enqueue again. */
  notQueued: number;
  /** Of those, the ones still running (a live run lease), with their runner: a copy queued again waits for them. */
  runningNotQueued: Array<{ id: string; holder: string }>;
  total: number;
  failedRuns: Array<{ id: string; reason: string }>;
}

/**
 * This sweep's runs, by what is true: finished on disk → completed; otherwise the queue's state,
 * and a live run lease → active (the queue may lag), or, when the queue does not know the run
 * (Redis lost its data), not queued but still running.
 */
export async function sweepProgress(
  queue: Queue<QueueJobData>,
  runs: PlannedRun[],
  dir: string,
  scheduler: SweepSpec['scheduler'] = null,
  plan: PlannedRun[] = runs,
): Promise<SweepProgress> {
  const sweepDir = resolve(dir);
  const p: SweepProgress = {
    waiting: 0,
    active: 0,
    completed: 0,
    stopped: 0,
    diverged: 0,
    failed: 0,
    paused: 0,
    notQueued: 0,
    runningNotQueued: [],
    total: runs.length,
    failedRuns: [],
  };
  // under successive halving a run's job is its next segment's, and a run may wait at a rung with no job at all
  const work =
    scheduler && 'sha' in scheduler ? readyWork({ sweepDir, plan, scheduler, runDir: (id) => runDir(sweepDir, id), failedIsFinal: () => true }) : null;
  const paused = new Set(work?.waiting.map((r) => r.id) ?? []);
  const segments = new Map(work?.ready.map((s) => [s.run.id, s]) ?? []);
  await Promise.all(
    runs.map(async (run) => {
      const summary = readSummary(runDir(sweepDir, run.id));
      if (isFinished(summary)) return void (summary!.status === 'stopped' ? p.stopped++ : summary!.status === 'diverged' ? p.diverged++ : p.completed++);
      const lease = readLease(join(sweepDir, LEASES_DIR, `${run.id}.lease`));
      const live = lease !== null && !isStale(lease);
      if (!live && paused.has(run.id)) return void p.paused++;
      const segment = segments.get(run.id);
      const job = await queue.getJob(segment ? jobIdOf(segment, scheduler) : run.id);
      const state = job && job.data.sweepDir === sweepDir ? await job.getState() : 'unknown';
      if (live) {
        if (state !== 'failed' && !PENDING.has(state)) {
          p.notQueued++;
          p.runningNotQueued.push({ id: run.id, holder: describeHolder(lease) });
        } else p.active++;
        return;
      }
      if (state === 'failed') {
        p.failed++;
        p.failedRuns.push({ id: run.id, reason: job?.failedReason ?? '' });
      } else if (state === 'active') p.active++;
      else if (PENDING.has(state)) p.waiting++;
      else p.notQueued++;
    }),
  );
  p.failedRuns.sort((a, b) => a.id.localeCompare(b.id));
  p.runningNotQueued.sort((a, b) => a.id.localeCompare(b.id));
  return p;
}

/** Runs that still need the queue's workers or a runner that holds them: --wait waits for these. */
export const stillGoing = (p: SweepProgress) => p.waiting + p.active + p.paused + p.runningNotQueued.length;

/**
 * "3 completed, 5 stopped early, 1 diverged": finished runs by how they ended. `final`: as a local
 * sweep's last line says it (diverged always, stopped early under a scheduler); otherwise the
 * stopped and diverged ones only when there are any.
 */
export const finishedCounts = (p: SweepProgress, final?: { scheduler: boolean }) =>
  `${p.completed} completed${(final ? final.scheduler : p.stopped) ? `, ${p.stopped} stopped early` : ''}${final || p.diverged ? `, ${p.diverged} diverged` : ''}`;

export function formatProgress(p: SweepProgress): string {
  const counts = `${p.waiting} waiting, ${p.active} active, ${finishedCounts(p)}, ${p.failed} failed${p.paused ? `, ${p.paused} at a rung` : ''}${p.notQueued ? `, ${p.notQueued} not queued` : ''} (of ${p.total})`;
  const r = p.runningNotQueued;
  if (r.length === 0) return counts;
  // (the lease files are in a shared folder: what they say is shown, never sent to the terminal raw)
  const named = r.slice(0, 3).map((x) => `${x.id} by ${printable(x.holder)}`);
  return `${counts}; not queued but still running (run leases): ${named.join('; ')}${r.length > 3 ? `; and ${r.length - 3} more` : ''}`;
}
