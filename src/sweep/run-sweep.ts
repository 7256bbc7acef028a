/**
 * Run planned runs in worker processes, `jobs` at a time. A run that crashes, fails or diverges
 * is recorded and the sweep goes on. With `resume`, runs whose summary says completed or
 * diverged are skipped and every other one (missing, running when killed, failed,
 * interrupted) is run again from scratch, so a killed sweep loses at most the runs in flight.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { checkSafeName } from '../util/names.js';
import { isRunFolder, makeFolder, removeRunFolder } from '../runs/folder.js';
import { lockSweepFolder } from './folder-lock.js';
import { LEASES_DIR, leaseRun } from './run-lease.js';
import type { Shard } from './shard.js';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { RunStatus, RunSummary } from '../runs/run.js';
import type { StopRequest } from '../train/index.js';
import type { PlannedRun } from './expand.js';
import type { SweepSpec } from './spec.js';
import { writeSweepPlan } from './plan-file.js';
import { SCHEDULER_DIR } from './rung-store.js';
import { RunnerPool, readSummary } from './pool.js';

export const runsDir = (dir: string) => join(dir, 'runs');
/** A run's folder: always directly inside `runs/`, whatever the id says. */
export const runDir = (dir: string, id: string) => join(runsDir(dir), checkSafeName(id, 'run id'));

export interface RunOutcome {
  run: PlannedRun;
  status: RunStatus;
  summary: RunSummary | null;
  error?: string;
  seconds: number;
}

export type SweepEvent =
  | { type: 'plan'; total: number; skipped: number; toRun: number; jobs: number }
  | { type: 'run-start'; run: PlannedRun }
  | { type: 'run-busy'; run: PlannedRun; heldBy: string }
  | { type: 'run-end'; outcome: RunOutcome; done: number; toRun: number; failed: number; etaSeconds: number | null };

export interface SweepOptions {
  dir: string;
  jobs: number;
  resume: boolean;
  force: boolean;
  /** The whole expansion, for sweep.json, when `runs` is one shard of it. */
  plan?: PlannedRun[];
  /** Early stopping within each grid point (rung records in <dir>/scheduler). */
  scheduler?: SweepSpec['scheduler'];
  /** Array-job mode: this shard's own lock on the folder instead of the whole sweep's. */
  shard?: Shard;
  onEvent?(e: SweepEvent): void;
  /** Polled while runs are in flight: 'after-epoch' launches nothing new and lets runs finish their epoch. */
  stopRequested?(): StopRequest;
}

export interface SweepResult {
  outcomes: RunOutcome[];
  skipped: PlannedRun[];
  /** Runs another runner held (a queue worker, a shard) when their turn came: left to it. */
  busy: Array<{ run: PlannedRun; heldBy: string }>;
  interrupted: boolean;
}

/** Finished for good: trained to the end, diverged, or stopped early by the scheduler. Anything else is run again. */
export const isFinished = (s: RunSummary | null) => s !== null && (s.status === 'completed' || s.status === 'diverged' || s.status === 'stopped');

const cost = (r: PlannedRun) => r.config.train.epochs * r.config.model.depth;

export async function runSweep(runs: PlannedRun[], opts: SweepOptions): Promise<SweepResult> {
  makeFolder(opts.dir);
  const folderLock = lockSweepFolder(opts.dir, opts.shard);
  try {
    return await runLocked(runs, opts);
  } finally {
    folderLock.release();
  }
}

/** --force: the sweep's own run folders, rung records and leases go; anything else in runs/ stays. */
function startOver(dir: string): void {
  const runs = runsDir(dir);
  if (existsSync(runs)) for (const name of readdirSync(runs)) if (isRunFolder(join(runs, name))) removeRunFolder(join(runs, name));
  for (const sub of [SCHEDULER_DIR, LEASES_DIR]) rmSync(join(dir, sub), { recursive: true, force: true });
}

async function runLocked(runs: PlannedRun[], opts: SweepOptions): Promise<SweepResult> {
  const existing = existsSync(runsDir(opts.dir)) ? readdirSync(runsDir(opts.dir)) : [];
  if (existing.length > 0 && !opts.resume && !opts.force) {
    throw new UserError(`${opts.dir} already holds ${existing.length} run folder(s); pass --resume to continue that sweep, or --force to start over`);
  }
  if (opts.force && !opts.resume) startOver(opts.dir);
  writeSweepPlan(opts.dir, opts.plan ?? runs, opts.scheduler ?? null);

  const skipped = opts.resume ? runs.filter((r) => isFinished(readSummary(runDir(opts.dir, r.id)))) : [];
  // longest first (epochs × depth as the estimate): a long run started last would finish alone
  const queue = runs.filter((r) => !skipped.includes(r)).sort((a, b) => cost(b) - cost(a) || a.index - b.index);
  opts.onEvent?.({ type: 'plan', total: runs.length, skipped: skipped.length, toRun: queue.length, jobs: opts.jobs });

  const outcomes: RunOutcome[] = [];
  const stop = opts.stopRequested ?? (() => 'no' as const);
  const t0 = performance.now();
  let failed = 0;
  let lastStop: StopRequest = 'no';
  const toRun = queue.length;
  // Several workers on shared cores: V8's parallel GC helper threads then compete with the other
  // workers' main threads. Measured here (8 MNIST runs, 2 cores): --jobs 2 took 29.6 s with
  // parallel GC and 25.3 s with single-threaded GC; a lone worker is faster with parallel GC.
  const pool = new RunnerPool({ detached: true, execArgv: opts.jobs > 1 ? ['--single-threaded-gc'] : [] });

  // forward a stop request to the workers once per change: SIGINT finishes the epoch, SIGTERM stops now
  const poll = setInterval(() => {
    const s = stop();
    if (s !== lastStop) {
      lastStop = s;
      pool.signal(s === 'now' ? 'SIGTERM' : 'SIGINT');
    }
  }, 100);

  const busy: SweepResult['busy'] = [];
  const runOne = async (run: PlannedRun) => {
    const out = runDir(opts.dir, run.id);
    const lease = leaseRun(opts.dir, run.id, opts.shard ? `highway sweep --shard ${opts.shard.index}/${opts.shard.count}` : 'highway sweep');
    if ('heldBy' in lease) {
      busy.push({ run, heldBy: lease.heldBy });
      opts.onEvent?.({ type: 'run-busy', run, heldBy: lease.heldBy });
      return;
    }
    try {
      await trainRun(run, out);
    } finally {
      lease.lease.release();
    }
  };
  const trainRun = async (run: PlannedRun, out: string) => {
    const started = performance.now();
    opts.onEvent?.({ type: 'run-start', run });
    const scheduler = opts.scheduler ? { asha: opts.scheduler.asha, group: run.group, sweepDir: opts.dir } : undefined;
    const r = await pool.run({
      config: run.config,
      out,
      sweep: { id: run.id, index: run.index, trial: run.trial, params: run.params },
      ...(scheduler ? { scheduler } : {}),
    });
    if (r.status === 'failed') failed++;
    const done = outcomes.length + 1;
    const elapsed = (performance.now() - t0) / 1000;
    const outcome: RunOutcome = { run, ...r, seconds: (performance.now() - started) / 1000 };
    outcomes.push(outcome);
    opts.onEvent?.({ type: 'run-end', outcome, done, toRun, failed, etaSeconds: done < toRun ? (elapsed / done) * (toRun - done) : 0 });
  };

  const killAll = () => pool.killAll();
  process.once('exit', killAll);
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, opts.jobs) }, async () => {
        while (queue.length > 0 && stop() === 'no') await runOne(queue.shift()!);
      }),
    );
    await pool.close();
  } finally {
    clearInterval(poll);
    process.off('exit', killAll);
  }
  return { outcomes, skipped, busy, interrupted: queue.length > 0 || outcomes.some((o) => o.status === 'interrupted') };
}
