/**
 * Run a sweep's runs in worker processes, `jobs` at a time, until nothing is left that this
 * runner can train. What is ready comes from the sweep folder (work.ts): every unfinished run,
 * continued from its checkpoint where it has one; under successive halving, each run's next
 * segment as its rungs are decided. A slot never idles while anything is ready, and a runner
 * whose remaining runs wait on other runners (shards, queue workers) polls until they are done.
 *
 * A run that crashes, fails or diverges is recorded and the sweep goes on; a full disk stops new
 * runs from starting (the ones in flight end with their true status). With `resume`, finished
 * runs are skipped and the rest continue from their checkpoints, so a killed sweep loses at most
 * the epochs in flight.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { isRunFolder, makeFolder, removeRunFolder } from '../runs/folder.js';
import type { EpochRow, StopRequest } from '../train/index.js';
import { SweepClock } from './eta.js';
import { checkSafeName } from '../util/names.js';
import type { PlannedRun } from './expand.js';
import { lockSweepFolder } from './folder-lock.js';
import { writeSweepPlan } from './plan-file.js';
import { RunnerPool, readSummary } from './pool.js';
import { latestCheckpoint } from '../runs/checkpoint.js';
import { checkPlanOnResume } from './replan.js';
import { SCHEDULER_DIR } from './rung-store.js';
import { LEASES_DIR, leaseRun } from './run-lease.js';
import { isFinished, readyWork, segmentCost, type Segment } from './work.js';
import type { RunOutcome, SweepOptions, SweepResult } from './sweep-events.js';

export type { RunOutcome, SweepEvent, SweepOptions, SweepResult } from './sweep-events.js';

export { isFinished };

export const runsDir = (dir: string) => join(dir, 'runs');
/** A run's folder: always directly inside `runs/`, whatever the id says. */
export const runDir = (dir: string, id: string) => join(runsDir(dir), checkSafeName(id, 'run id'));

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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** A run another runner held is looked at again after this long. */
const BUSY_RETRY_MS = 15_000;
const isDiskFull = (error?: string) => error !== undefined && /the disk is full|disk quota is exceeded|ENOSPC/.test(error);

async function runLocked(runs: PlannedRun[], opts: SweepOptions): Promise<SweepResult> {
  const existing = existsSync(runsDir(opts.dir)) ? readdirSync(runsDir(opts.dir)).filter((n) => !n.startsWith('.')) : [];
  if (existing.length > 0 && !opts.resume && !opts.force) {
    throw new UserError(`${opts.dir} already holds ${existing.length} run folder(s); pass --resume to continue that sweep, or --force to start over`);
  }
  if (opts.replan && !opts.resume) throw new UserError('--replan goes with --resume: it re-plans a sweep being resumed');
  if (opts.force && !opts.resume) startOver(opts.dir);
  const plan = opts.plan ?? runs;
  const scheduler = opts.scheduler ?? null;
  const dirOf = (id: string) => runDir(opts.dir, id);
  const replanned = opts.resume ? checkPlanOnResume(opts.dir, plan, scheduler, Boolean(opts.replan), dirOf) : [];
  writeSweepPlan(opts.dir, plan, scheduler);

  const mine = new Set(runs.map((r) => r.id));
  const inFlight = new Map<string, Promise<void>>();
  const failedNow = new Set<string>();
  // without successive halving each run is one segment: once tried here, it is not tried again in this sweep
  const tried = new Set<string>();
  const busyUntil = new Map<string, number>();
  const sha = scheduler !== null && 'sha' in scheduler;
  const look = () => {
    const w = readyWork({ sweepDir: opts.dir, plan, scheduler, runDir: dirOf, inFlight: new Set(inFlight.keys()), failedIsFinal: (id) => failedNow.has(id) });
    const now = Date.now();
    const ready = w.ready.filter((s) => mine.has(s.run.id) && !tried.has(s.run.id) && (busyUntil.get(s.run.id) ?? 0) <= now);
    return {
      ready: ready.sort((a, b) => segmentCost(b) - segmentCost(a) || a.run.index - b.run.index),
      waiting: w.waiting.filter((r) => mine.has(r.id)),
      finished: w.finished,
    };
  };
  const first = look();
  const skipped = first.finished.filter((r) => mine.has(r.id));
  // the clock starts from what is on disk: finished runs, and how far the others got
  const clock = new SweepClock(plan, sha && scheduler && 'sha' in scheduler ? scheduler.sha : null);
  for (const r of first.finished) clock.finished(r, readSummary(dirOf(r.id))?.epochs ?? r.config.train.epochs);
  for (const seg of first.ready) clock.start(seg.run, seg.from);
  for (const r of first.waiting) clock.start(r, latestCheckpoint(dirOf(r.id))?.epoch ?? 0);
  const eta = () => clock.remainingSeconds(opts.jobs, runs);
  const toRun = runs.length - skipped.length;
  opts.onEvent?.({ type: 'plan', total: runs.length, skipped: skipped.length, toRun, jobs: opts.jobs, replanned });

  const outcomes: RunOutcome[] = [];
  const busy: SweepResult['busy'] = [];
  const stop = opts.stopRequested ?? (() => 'no' as const);
  let failed = 0;
  let lastStop: StopRequest = 'no';
  let diskFull: string | undefined;
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

  const train = async (seg: Segment) => {
    const { run } = seg;
    const lease = leaseRun(opts.dir, run.id, opts.shard ? `highway sweep --shard ${opts.shard.index}/${opts.shard.count}` : 'highway sweep');
    if ('heldBy' in lease) {
      // successive halving needs the run for its rung, so it is looked at again; otherwise it is left to its holder
      if (sha) busyUntil.set(run.id, Date.now() + BUSY_RETRY_MS);
      else tried.add(run.id);
      if (!busy.some((b) => b.run.id === run.id)) busy.push({ run, heldBy: lease.heldBy });
      opts.onEvent?.({ type: 'run-busy', run, heldBy: lease.heldBy });
      return;
    }
    const started = performance.now();
    // one segment per run and sweep without successive halving; with it, the next segment comes from the folder
    if (!sha) tried.add(run.id);
    try {
      opts.onEvent?.({ type: 'run-start', run, from: seg.from, ...(seg.until !== undefined ? { until: seg.until } : {}) });
      const schedulerTask = scheduler && 'asha' in scheduler ? { scheduler: { asha: scheduler.asha, group: run.group, sweepDir: opts.dir } } : {};
      const until = seg.until ?? run.config.train.epochs;
      const onRow = (row: EpochRow) => {
        clock.row(run, row);
        opts.onEvent?.({ type: 'run-row', run, row, until, etaSeconds: eta() });
      };
      const r = await pool.run(
        {
          config: run.config,
          out: dirOf(run.id),
          sweep: { id: run.id, index: run.index, trial: run.trial, params: run.params },
          resume: seg.resume,
          ...(seg.until !== undefined && seg.until < run.config.train.epochs ? { untilEpoch: seg.until } : {}),
          lease: lease.lease.fence(),
          ...schedulerTask,
        },
        onRow,
      );
      if (r.status !== 'paused') clock.finished(run, r.summary?.epochs ?? readSummary(dirOf(run.id))?.epochs ?? 0);
      if (r.lostLease) {
        // stalled long enough to be taken over: the run is the new holder's, and its folder is left to it
        busy.push({ run, heldBy: 'the runner that took it over' });
        opts.onEvent?.({ type: 'run-busy', run, heldBy: 'the runner that took it over after this one stalled' });
        return;
      }
      if (r.status === 'failed') {
        failed++;
        failedNow.add(run.id);
        if (isDiskFull(r.error) && !diskFull) {
          diskFull = r.error!;
          opts.onEvent?.({ type: 'disk-full', error: diskFull });
        }
      }
      const outcome: RunOutcome = { run, ...r, seconds: (performance.now() - started) / 1000, ...(seg.until !== undefined ? { until: seg.until } : {}) };
      outcomes.push(outcome);
      const done = outcomes.filter((o) => o.status !== 'paused').length;
      opts.onEvent?.({ type: 'run-end', outcome, done, toRun, failed, etaSeconds: eta() });
    } finally {
      lease.lease.release();
    }
  };

  const killAll = () => pool.killAll();
  process.once('exit', killAll);
  let waitingAnnounced = -1;
  try {
    for (;;) {
      const launching = stop() === 'no' && diskFull === undefined;
      const w = launching ? look() : { ready: [], waiting: [], finished: [] };
      for (const seg of w.ready) {
        if (inFlight.size >= Math.max(1, opts.jobs)) break;
        const p = train(seg).finally(() => inFlight.delete(seg.run.id));
        inFlight.set(seg.run.id, p);
      }
      // what other runners hold, or rungs they have still to reach, may free work here later
      const others = launching && (w.waiting.length > 0 || [...busyUntil.values()].some((t) => t > Date.now()));
      if (inFlight.size === 0 && !others) break;
      if (inFlight.size === 0 && w.waiting.length !== waitingAnnounced) {
        waitingAnnounced = w.waiting.length;
        opts.onEvent?.({ type: 'waiting', runs: w.waiting.length });
      }
      await Promise.race([...inFlight.values(), ...(others || inFlight.size === 0 ? [sleep(opts.pollMs ?? 2000)] : [])]);
    }
    await pool.close();
  } finally {
    clearInterval(poll);
    process.off('exit', killAll);
  }
  const left = readyWork({ sweepDir: opts.dir, plan, scheduler, runDir: dirOf, failedIsFinal: (id) => failedNow.has(id) }).ready.filter(
    (s) => mine.has(s.run.id) && !busy.some((b) => b.run.id === s.run.id),
  );
  const interrupted = outcomes.some((o) => o.status === 'interrupted') || (stop() !== 'no' && left.length > 0);
  return { outcomes, skipped, busy, interrupted, ...(diskFull ? { diskFull } : {}) };
}
