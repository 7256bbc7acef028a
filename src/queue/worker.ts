/**
 * The consumer side of queue mode (`highway worker`): a BullMQ Worker whose jobs are sweep runs,
 * each run in a worker process exactly as `highway sweep` runs it, into the sweep's folder.
 *
 * - Jobs are untrusted (queue/job.ts): a job that names no run of a real sweep folder is
 *   refused, recorded as failed in the queue only, and the worker goes on.
 * - One runner per run: the worker takes the run's lease (sweep/run-lease.ts) before touching its
 *   folder. If another runner holds it (a copy of the job queued again after Redis lost its data,
 *   a local sweep on the same folder), the job waits in the delayed set and is looked at again.
 * - A worker that dies mid-run stops renewing its job's lock and the run's lease; after
 *   --lock-seconds another worker's stalled-job check puts the job back and someone continues
 *   it from its last checkpoint. A job is tried ATTEMPTS times; after the last failure its folder's summary
 *   says failed. A run whose folder already says completed, diverged or stopped is never rerun.
 * - Stopped by its user (Ctrl-C, SIGTERM), the worker lets its runs stop and puts their jobs
 *   back in the queue: an interrupted run is not a failed one.
 */
import { Queue, UnrecoverableError, DelayedError, WaitingError, type Job } from 'bullmq';
import { isUserError } from '../errors.js';
import type { RunSummary } from '../runs/run.js';
import { RunnerPool, markFailed, readSummary } from '../sweep/pool.js';
import { runDir } from '../sweep/run-sweep.js';
import { leaseRun } from '../sweep/run-lease.js';
import { describeRedisError, reachableRedis } from './connection.js';
import { locateJob, type LocatedJob } from './job.js';
import type { QueueJobData } from './sweep-queue.js';
import { nextSegment, queueSuccessors } from './segments.js';
import { UntrustingWorker } from './untrusting-worker.js';
import { JobLocks, type LockNews } from './lock-news.js';

export type WorkerEvent =
  | { type: 'start'; id: string; out: string; attempt: number; until?: number }
  | { type: 'end'; id: string; status: string; summary: RunSummary | null; error?: string; seconds: number }
  | { type: 'skip'; id: string; out: string }
  | { type: 'busy'; id: string; heldBy: string; own?: boolean }
  | { type: 'requeued'; id: string }
  | { type: 'rejected'; id: string; reason: string }
  /** renewing: the job's lock is gone while it runs (said once per job); finishing: its run finished but the job could not be marked done */
  | ({ type: 'lock-lost' } & LockNews)
  | { type: 'connection'; message: string };

export interface QueueWorkerOptions {
  url: string;
  queueName: string;
  jobs: number;
  /** The sweep folders' parent as this machine sees it (default: each job's own path). */
  out?: string;
  lockSeconds: number;
  /** Exit once the queue has nothing waiting, delayed or running. */
  exitWhenEmpty: boolean;
  onEvent?(e: WorkerEvent): void;
}

/** How long a job whose run another runner holds waits before it is looked at again. */
const BUSY_RETRY_MS = 15_000;

export interface QueueWorker {
  /** 'after-epoch': runs in flight finish their epoch; 'now': they stop at once. Their jobs go back to the queue. */
  stop(level: 'after-epoch' | 'now'): Promise<void>;
  done: Promise<void>;
}

export async function runQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorker> {
  const connection = await reachableRedis(opts.url);
  const tls = connection.tls !== undefined;
  // the run processes get their own process group: a terminal's Ctrl-C reaches the worker alone,
  // which forwards it once (two would mean "stop now")
  const pool = new RunnerPool({ detached: true, execArgv: opts.jobs > 1 ? ['--single-threaded-gc'] : [] });
  let running = 0;
  let stopping = false;
  // successors of a successive-halving segment are queued by the worker that finished it; the same
  // handle counts the queue (--exit-when-empty) and wakes jobs up
  const producer = new Queue<QueueJobData>(opts.queueName, { connection });
  producer.on('error', () => {}); // the worker's own 'error' handler reports connection trouble
  // runs this worker is training now (sweep folder + id), and copies of their jobs waiting on them:
  // after Redis lost its data a run may be queued again while its first copy still trains here
  const ownRuns = new Set<string>();
  // a lost job lock is said once per job, not as a Redis outage (queue/lock-news.ts)
  const locks = new JobLocks((news) => opts.onEvent?.({ type: 'lock-lost', ...news }));
  const waitingOnOwn = new Map<string, string>();
  const wakeCopy = async (key: string) => {
    const id = waitingOnOwn.get(key);
    waitingOnOwn.delete(key);
    if (id === undefined) return;
    try {
      const copy = await producer.getJob(id);
      if (copy && (await copy.isDelayed())) await copy.promote();
    } catch {
      /* looked at again when its delay ends */
    }
  };

  const locate = (job: Job<QueueJobData>): LocatedJob => {
    try {
      return locateJob(job.data, opts.out);
    } catch (e) {
      if (!isUserError(e)) throw e;
      const reason = `job refused: ${e.message}`;
      opts.onEvent?.({ type: 'rejected', id: String(job.id), reason });
      throw new UnrecoverableError(reason);
    }
  };

  const processor = async (job: Job<QueueJobData>, token?: string) => {
    const { sweepDir, run, scheduler } = locate(job);
    const out = runDir(sweepDir, run.id);
    const seg = nextSegment(sweepDir, run, scheduler);
    if (seg === 'finished' || seg === 'waiting') {
      // finished by an earlier attempt whose worker died before it could tell the queue, or queued twice
      opts.onEvent?.({ type: 'skip', id: run.id, out });
      locks.finishedRun(String(job.id), run.id);
      await queueSuccessors(producer, sweepDir, scheduler);
      return readSummary(out)?.status ?? seg;
    }
    const key = `${sweepDir}\0${run.id}`;
    const lease = leaseRun(sweepDir, run.id, 'highway worker');
    if ('heldBy' in lease) {
      // held by this very worker: the copy is woken up as soon as that run ends (and skipped then)
      const own = ownRuns.has(key);
      if (own) waitingOnOwn.set(key, String(job.id));
      opts.onEvent?.({ type: 'busy', id: run.id, heldBy: lease.heldBy, own });
      await job.moveToDelayed(Date.now() + BUSY_RETRY_MS, token);
      throw new DelayedError();
    }
    ownRuns.add(key);
    locks.started(String(job.id), run.id);
    running++;
    const t0 = performance.now();
    opts.onEvent?.({ type: 'start', id: run.id, out, attempt: job.attemptsMade + 1, ...(seg.until !== undefined ? { until: seg.until } : {}) });
    try {
      const schedulerTask = scheduler && 'asha' in scheduler ? { scheduler: { asha: scheduler.asha, group: run.group, sweepDir } } : {};
      const r = await pool.run({
        config: run.config,
        out,
        sweep: { id: run.id, index: run.index, trial: run.trial, params: run.params },
        resume: seg.resume,
        ...(seg.until !== undefined && seg.until < run.config.train.epochs ? { untilEpoch: seg.until } : {}),
        lease: lease.lease.fence(),
        ...schedulerTask,
      });
      opts.onEvent?.({ type: 'end', id: run.id, status: r.status, summary: r.summary, error: r.error, seconds: (performance.now() - t0) / 1000 });
      if (r.status === 'completed' || r.status === 'diverged' || r.status === 'stopped' || r.status === 'paused') {
        lease.lease.release();
        locks.finishedRun(String(job.id), run.id);
        await queueSuccessors(producer, sweepDir, scheduler);
        return r.status;
      }
      if (r.status === 'interrupted' && (stopping || r.lostLease)) {
        // stopped by this worker's user, or taken over after a stall: back to the queue, not failed
        await job.moveToWait(token);
        opts.onEvent?.({ type: 'requeued', id: run.id });
        throw new WaitingError();
      }
      // a user error (bad data path, impossible shape) fails the same way everywhere: do not retry
      if (r.user) throw new UnrecoverableError(r.error ?? r.status);
      throw new Error(r.error ?? `run ${r.status}`);
    } finally {
      lease.lease.release();
      ownRuns.delete(key);
      locks.left(String(job.id));
      running--;
      void wakeCopy(key);
    }
  };

  const worker = new UntrustingWorker(opts.queueName, processor, {
    connection,
    concurrency: opts.jobs,
    lockDuration: opts.lockSeconds * 1000,
    stalledInterval: Math.max(1000, (opts.lockSeconds * 1000) / 2),
    maxStalledCount: 1,
  });
  // connection trouble: BullMQ keeps reconnecting; say so, at most once a minute
  let lastError = 0;
  worker.on('error', (e) => {
    if (locks.error(e.message)) return;
    if (Date.now() - lastError < 60_000) return;
    lastError = Date.now();
    opts.onEvent?.({ type: 'connection', message: describeRedisError(e, tls) });
  });
  worker.on('lockRenewalFailed', (jobIds: string[]) => locks.renewalFailed(jobIds));
  worker.on('completed', (job) => locks.completed(String(job.id)));
  // the last attempt failed (or the job stalled once too often): the run's folder records it
  worker.on('failed', (job, err) => {
    if (!job || err instanceof DelayedError || err instanceof WaitingError || err.message.startsWith('job refused:')) return;
    const attempts = job.opts.attempts ?? 1;
    if (job.attemptsMade >= attempts || err.name === 'UnrecoverableError' || /stalled/i.test(err.message)) {
      try {
        const { sweepDir, run } = locateJob(job.data, opts.out);
        markFailed(runDir(sweepDir, run.id), err.message);
      } catch {
        /* a job that names no run has no folder to mark */
      }
    }
  });

  let closing: Promise<void> | null = null;
  const stop = (level: 'after-epoch' | 'now') => {
    stopping = true;
    pool.signal(level === 'now' ? 'SIGTERM' : 'SIGINT');
    closing ??= (async () => {
      await worker.close();
      await pool.close();
      await producer.close();
    })();
    return closing;
  };

  const done = new Promise<void>((resolveDone) => {
    if (!opts.exitWhenEmpty) {
      worker.on('closed', () => resolveDone());
      return;
    }
    // a job whose worker died is still "active" until its lock expires: wait for it too
    const timer = setInterval(async () => {
      if (running > 0 || closing) return;
      try {
        const c = await producer.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
        if (Object.values(c).every((n) => n === 0) && running === 0) {
          clearInterval(timer);
          await stop('after-epoch');
          resolveDone();
        }
      } catch {
        /* try again at the next tick */
      }
    }, 1000);
    worker.on('closed', () => {
      clearInterval(timer);
      void (closing ?? Promise.resolve()).finally(resolveDone);
    });
  });
  return { stop, done };
}
