/**
 * Run planned runs in worker processes, `jobs` at a time. A run that crashes, fails or diverges
 * is recorded and the sweep goes on. With `resume`, runs whose summary says completed or
 * diverged are skipped and every other one (missing, running when killed, failed,
 * interrupted) is run again from scratch, so a killed sweep loses at most the runs in flight.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { readJsonOrNull } from '../util/json.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { RUN_FILES } from '../runs/folder.js';
import type { RunStatus, RunSummary } from '../runs/run.js';
import type { StopRequest } from '../train/index.js';
import type { PlannedRun } from './expand.js';
import type { WorkerMessage, WorkerTask } from './protocol.js';

export const runsDir = (dir: string) => join(dir, 'runs');
export const runDir = (dir: string, id: string) => join(runsDir(dir), id);

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
  | { type: 'run-end'; outcome: RunOutcome; done: number; toRun: number; failed: number; etaSeconds: number | null };

export interface SweepOptions {
  dir: string;
  jobs: number;
  resume: boolean;
  force: boolean;
  onEvent?(e: SweepEvent): void;
  /** Polled while runs are in flight: 'after-epoch' launches nothing new and lets runs finish their epoch. */
  stopRequested?(): StopRequest;
}

export interface SweepResult {
  outcomes: RunOutcome[];
  skipped: PlannedRun[];
  interrupted: boolean;
}

const readSummary = (dir: string) => readJsonOrNull<RunSummary>(join(dir, RUN_FILES.summary));

export const isFinished = (s: RunSummary | null) => s !== null && (s.status === 'completed' || s.status === 'diverged');

function workerPath(): string {
  const here = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(here)) return here;
  // running from sources (tests): use the compiled worker
  return fileURLToPath(new URL('../../dist/sweep/worker.js', import.meta.url));
}

/** The run's own summary may be missing or still say "running" (killed, out of memory): record the failure. */
function markFailed(out: string, error: string): void {
  const onDisk = readSummary(out);
  if (!onDisk || onDisk.status === 'running') writeJsonAtomic(join(out, RUN_FILES.summary), { ...(onDisk ?? {}), status: 'failed', error });
}

export async function runSweep(runs: PlannedRun[], opts: SweepOptions): Promise<SweepResult> {
  const existing = existsSync(runsDir(opts.dir)) ? readdirSync(runsDir(opts.dir)) : [];
  if (existing.length > 0 && !opts.resume && !opts.force) {
    throw new UserError(`${opts.dir} already holds ${existing.length} run folder(s); pass --resume to continue that sweep, or --force to start over`);
  }
  if (opts.force && !opts.resume) rmSync(runsDir(opts.dir), { recursive: true, force: true });
  writeJsonAtomic(join(opts.dir, 'sweep.json'), {
    created: new Date().toISOString(),
    runs: runs.map((r) => ({ index: r.index, id: r.id, trial: r.trial, params: r.params })),
  });

  const skipped = opts.resume ? runs.filter((r) => isFinished(readSummary(runDir(opts.dir, r.id)))) : [];
  const queue = runs.filter((r) => !skipped.includes(r));
  opts.onEvent?.({ type: 'plan', total: runs.length, skipped: skipped.length, toRun: queue.length, jobs: opts.jobs });

  const outcomes: RunOutcome[] = [];
  const active = new Set<ChildProcess>();
  const stop = opts.stopRequested ?? (() => 'no' as const);
  const t0 = performance.now();
  let failed = 0;
  let lastStop: StopRequest = 'no';
  const toRun = queue.length;

  // forward a stop request to the workers once per change ('after-epoch', then 'now')
  const poll = setInterval(() => {
    const s = stop();
    if (s !== lastStop) {
      lastStop = s;
      for (const c of active) c.kill('SIGINT');
    }
  }, 100);

  // Several workers on shared cores: V8's parallel GC helper threads then compete with the other
  // workers' main threads. Measured here (8 MNIST runs, 2 cores): --jobs 2 took 29.6 s with
  // parallel GC and 25.3 s with single-threaded GC; a lone worker is faster with parallel GC.
  const gcArgs = opts.jobs > 1 ? ['--single-threaded-gc'] : [];

  const spawnWorker = () => {
    // own process group: a terminal's Ctrl-C reaches the sweep, which forwards it once
    const child = fork(workerPath(), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], detached: true, execArgv: [...process.execArgv, ...gcArgs] });
    active.add(child);
    child.on('exit', () => active.delete(child));
    return child;
  };

  /** Run one task on a live worker; resolves with whether the worker can take another. */
  const runOn = (child: ChildProcess, run: PlannedRun) =>
    new Promise<boolean>((resolve) => {
      const out = runDir(opts.dir, run.id);
      const started = performance.now();
      opts.onEvent?.({ type: 'run-start', run });
      let stderr = '';
      const onStderr = (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
      };
      const finish = (status: RunStatus, summary: RunSummary | null, error: string | undefined, reusable: boolean) => {
        child.stderr?.off('data', onStderr);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (status === 'failed') failed++;
        const done = outcomes.length + 1;
        const elapsed = (performance.now() - t0) / 1000;
        const outcome: RunOutcome = { run, status, summary, error, seconds: (performance.now() - started) / 1000 };
        outcomes.push(outcome);
        opts.onEvent?.({ type: 'run-end', outcome, done, toRun, failed, etaSeconds: done < toRun ? (elapsed / done) * (toRun - done) : 0 });
        resolve(reusable);
      };
      const onMessage = (m: WorkerMessage) => {
        if (m.type === 'done') finish(m.summary.status, m.summary, undefined, !m.retire);
        // a user error (bad data path…) was recorded in the run's summary by executeRun
        if (m.type === 'error') {
          markFailed(out, m.message);
          finish('failed', null, m.message, m.user);
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        const error = `worker exited with ${signal ? `signal ${signal}` : `code ${code}`}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
        markFailed(out, error);
        finish('failed', null, error, false);
      };
      child.stderr?.on('data', onStderr);
      child.on('message', onMessage);
      child.on('exit', onExit);
      const task: WorkerTask = { config: run.config, out, sweep: { id: run.id, index: run.index, trial: run.trial, params: run.params } };
      child.send(task);
    });

  const slot = async () => {
    let child: ChildProcess | null = null;
    while (queue.length > 0 && stop() === 'no') {
      child ??= spawnWorker();
      if (!(await runOn(child, queue.shift()!))) child = null;
    }
    if (child?.connected) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.disconnect();
      await exited;
    }
  };

  const killAll = () => active.forEach((c) => c.kill('SIGKILL'));
  process.once('exit', killAll);
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, opts.jobs) }, slot),
    );
  } finally {
    clearInterval(poll);
    process.off('exit', killAll);
  }
  return { outcomes, skipped, interrupted: queue.length > 0 || outcomes.some((o) => o.status === 'interrupted') };
}
