/**
 * Worker processes that run sweep runs, one run per process at a time, kept between runs.
 * Shared by `highway sweep` (local slots) and `highway worker` (queue jobs). A run that crashes
 * its process (killed, out of memory) ends only that process: the run is recorded as failed in
 * its folder and the next run gets a fresh process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUN_FILES } from '../base/run-files.js';
import type { RunStatus, RunSummary } from '../runs/run.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { readJsonOrNull } from '../util/json.js';
import { stillHeld } from '../runs/lease.js';
import type { EpochRow } from '../train/index.js';
import type { WorkerMessage, WorkerTask } from './protocol.js';

export interface TaskResult {
  status: RunStatus;
  summary: RunSummary | null;
  error?: string;
  /** The failure is the user's (bad config or data): running it again would fail the same way. */
  user?: boolean;
  /** The run's lease was taken over by another runner while it trained: nothing was written after that. */
  lostLease?: boolean;
}

export const readSummary = (dir: string) => readJsonOrNull<RunSummary>(join(dir, RUN_FILES.summary));

/** The run's own summary may be missing or still say "running" (killed, out of memory): record the failure. */
export function markFailed(out: string, error: string): void {
  const onDisk = readSummary(out);
  if (!onDisk || onDisk.status === 'running' || onDisk.status === 'interrupted') {
    writeJsonAtomic(join(out, RUN_FILES.summary), { ...(onDisk ?? {}), status: 'failed', error });
  }
}

/** Record a failure, unless the run's lease has passed to another runner (then its folder is not ours to write), or the disk refuses. */
function markFailedIfOwned(task: WorkerTask, error: string): void {
  if (task.lease && !stillHeld(task.lease)) return;
  try {
    markFailed(task.out, error);
  } catch {
    /* a full disk: the run's own summary may still say running; the sweep reports the failure */
  }
}

function workerPath(): string {
  const here = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(here)) return here;
  // running from sources (tests): use the compiled worker
  return fileURLToPath(new URL('../../dist/sweep/worker.js', import.meta.url));
}

export interface PoolOptions {
  /** Extra V8 flags for the worker processes. */
  execArgv?: string[];
  /**
   * Own process group (local sweeps: a terminal's Ctrl-C reaches the sweep, which forwards it
   * once). Queue workers keep their children in their group.
   */
  detached: boolean;
}

export class RunnerPool {
  private readonly idle: ChildProcess[] = [];
  readonly active = new Set<ChildProcess>();

  constructor(private readonly opts: PoolOptions) {}

  private spawn(): ChildProcess {
    const child = fork(workerPath(), [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      detached: this.opts.detached,
      execArgv: [...process.execArgv, ...(this.opts.execArgv ?? [])],
    });
    this.active.add(child);
    child.on('exit', () => {
      this.active.delete(child);
      const i = this.idle.indexOf(child);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return child;
  }

  /** Run one task in a worker process; resolves when the run ends, however it ends. */
  run(task: WorkerTask, onRow?: (row: EpochRow) => void): Promise<TaskResult> {
    const child = this.idle.pop() ?? this.spawn();
    return new Promise<TaskResult>((resolve) => {
      let stderr = '';
      const onStderr = (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
      };
      const finish = (result: TaskResult, reusable: boolean) => {
        child.stderr?.off('data', onStderr);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (reusable && child.connected) this.idle.push(child);
        resolve(result);
      };
      const onMessage = (m: WorkerMessage) => {
        if (m.type === 'row') onRow?.(m.row);
        if (m.type === 'done') finish({ status: m.summary.status, summary: m.summary }, !m.retire);
        if (m.type === 'error' && m.lostLease) {
          // another runner owns the run now: its folder is left exactly as that runner keeps it
          finish({ status: 'interrupted', summary: null, error: m.message, lostLease: true }, true);
        } else if (m.type === 'error') {
          // executeRun recorded a failure in the summary; an error before it (backend) did not
          markFailedIfOwned(task, m.message);
          finish({ status: 'failed', summary: null, error: m.message, user: m.user }, m.user);
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        const error = `worker exited with ${signal ? `signal ${signal}` : `code ${code}`}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
        markFailedIfOwned(task, error);
        finish({ status: 'failed', summary: null, error }, false);
      };
      child.stderr?.on('data', onStderr);
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send(task);
    });
  }

  /** Forward a signal (SIGINT: finish the epoch; again: stop now) to every worker process. */
  signal(sig: NodeJS.Signals): void {
    for (const c of this.active) c.kill(sig);
  }

  killAll(): void {
    this.signal('SIGKILL');
  }

  /** Let the idle workers exit (they exit when disconnected) and wait for them. */
  async close(): Promise<void> {
    const waiting = [...this.active].map((c) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r))));
    for (const c of this.active) if (c.connected) c.disconnect();
    await Promise.all(waiting);
  }
}
