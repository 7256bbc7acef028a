/**
 * The consumer side of queue mode (`highway worker`): a BullMQ Worker whose jobs are sweep runs,
 * each run in a worker process exactly as `highway sweep` runs it, into the sweep's folder.
 *
 * Faults, as BullMQ handles them: a worker that dies mid-run stops renewing its job's lock;
 * after --lock-seconds another worker's stalled-job check puts the job back in the queue and
 * someone runs it again from scratch (the half-written folder is replaced). A job is tried
 * ATTEMPTS times; after the last failure its folder's summary says failed. A run whose folder
 * already says completed or diverged is never run again.
 */
import { basename, join } from 'node:path';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { RunSummary } from '../runs/run.js';
import { RunnerPool, markFailed, readSummary } from '../sweep/pool.js';
import { isFinished } from '../sweep/run-sweep.js';
import { reachableRedis } from './connection.js';
import type { QueueJobData } from './sweep-queue.js';

export type WorkerEvent =
  | { type: 'start'; id: string; out: string; attempt: number }
  | { type: 'end'; id: string; status: string; summary: RunSummary | null; error?: string; seconds: number }
  | { type: 'skip'; id: string; out: string }
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

/** The job's sweep folder as this machine sees it: its own path, or --out/<that folder's name>. */
export const sweepFolderFor = (data: QueueJobData, out: string | undefined): string => (out ? join(out, basename(data.sweepDir)) : data.sweepDir);

/** Where this machine writes a job's run. */
export const runFolderFor = (data: QueueJobData, out: string | undefined): string => join(sweepFolderFor(data, out), 'runs', data.id);

/** Runs until stopped (returns a stop function's promise) or, with exitWhenEmpty, until the queue is drained. */
export async function runQueueWorker(opts: QueueWorkerOptions): Promise<{ stop(): Promise<void>; done: Promise<void> }> {
  const connection = await reachableRedis(opts.url);
  const pool = new RunnerPool({ detached: false, execArgv: opts.jobs > 1 ? ['--single-threaded-gc'] : [] });
  let running = 0;

  const processor = async (job: Job<QueueJobData>) => {
    const out = runFolderFor(job.data, opts.out);
    const onDisk = readSummary(out);
    if (isFinished(onDisk)) {
      // finished by an earlier attempt whose worker died before it could tell the queue
      opts.onEvent?.({ type: 'skip', id: job.data.id, out });
      return onDisk!.status;
    }
    running++;
    const t0 = performance.now();
    opts.onEvent?.({ type: 'start', id: job.data.id, out, attempt: job.attemptsMade + 1 });
    try {
      const scheduler = job.data.scheduler ? { asha: job.data.scheduler.asha, group: job.data.group, sweepDir: sweepFolderFor(job.data, opts.out) } : undefined;
      const r = await pool.run({ config: job.data.config, out, sweep: { id: job.data.id, index: job.data.index, trial: job.data.trial, params: job.data.params }, ...(scheduler ? { scheduler } : {}) });
      opts.onEvent?.({ type: 'end', id: job.data.id, status: r.status, summary: r.summary, error: r.error, seconds: (performance.now() - t0) / 1000 });
      if (r.status === 'completed' || r.status === 'diverged' || r.status === 'stopped') return r.status;
      // a user error (bad data path, impossible shape) fails the same way everywhere: do not retry
      if (r.user) throw new UnrecoverableError(r.error ?? r.status);
      throw new Error(r.error ?? `run ${r.status}`);
    } finally {
      running--;
    }
  };

  const worker = new Worker<QueueJobData>(opts.queueName, processor, {
    connection,
    concurrency: opts.jobs,
    lockDuration: opts.lockSeconds * 1000,
    stalledInterval: Math.max(1000, (opts.lockSeconds * 1000) / 2),
    maxStalledCount: 1,
  });
  // connection trouble: BullMQ keeps reconnecting; say so, at most once a minute
  let lastError = 0;
  worker.on('error', (e) => {
    if (Date.now() - lastError < 60_000) return;
    lastError = Date.now();
    opts.onEvent?.({ type: 'connection', message: e.message });
  });
  // the last attempt failed (or the job stalled once too often): the folder records it
  worker.on('failed', (job, err) => {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    if (job.attemptsMade >= attempts || err.name === 'UnrecoverableError' || /stalled/i.test(err.message)) markFailed(runFolderFor(job.data, opts.out), err.message);
  });

  let closing: Promise<void> | null = null;
  const stop = () =>
    (closing ??= (async () => {
      pool.signal('SIGINT');
      await worker.close();
      await pool.close();
    })());

  const done = new Promise<void>((resolveDone) => {
    if (!opts.exitWhenEmpty) {
      worker.on('closed', () => resolveDone());
      return;
    }
    // a job whose worker died is still "active" until its lock expires: wait for it too
    const counter = new Queue(opts.queueName, { connection });
    const timer = setInterval(async () => {
      if (running > 0 || closing) return;
      try {
        const c = await counter.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
        if (Object.values(c).every((n) => n === 0) && running === 0) {
          clearInterval(timer);
          await stop();
          await counter.close();
          resolveDone();
        }
      } catch {
        /* try again at the next tick */
      }
    }, 1000);
  });
  return { stop, done };
}
