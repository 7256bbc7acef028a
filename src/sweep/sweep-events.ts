/** What a sweep run here tells its caller as it goes (SweepEvent) and at the end (SweepResult), and what it is asked to do. */
import type { RunStatus, RunSummary } from '../runs/run.js';
import type { EpochRow, StopRequest } from '../train/index.js';
import type { PlannedRun } from './expand.js';
import type { Shard } from './shard.js';
import type { SweepSpec } from './spec.js';

export interface RunOutcome {
  run: PlannedRun;
  status: RunStatus;
  summary: RunSummary | null;
  error?: string;
  seconds: number;
  /** The segment's last epoch, when it was one rung's worth of a successive-halving run. */
  until?: number;
}

export type SweepEvent =
  | { type: 'plan'; total: number; skipped: number; toRun: number; jobs: number; replanned: string[] }
  | { type: 'run-start'; run: PlannedRun; from: number; until?: number }
  | { type: 'run-busy'; run: PlannedRun; heldBy: string }
  | { type: 'run-end'; outcome: RunOutcome; done: number; toRun: number; failed: number; etaSeconds: number | null }
  /** A run in flight finished an epoch: `until` is the epoch its segment trains to. */
  | { type: 'run-row'; run: PlannedRun; row: EpochRow; until: number; etaSeconds: number | null }
  /** Nothing to train here now: `runs` of ours wait at rungs for runs trained elsewhere. */
  | { type: 'waiting'; runs: number }
  | { type: 'disk-full'; error: string };

export interface SweepOptions {
  dir: string;
  jobs: number;
  resume: boolean;
  force: boolean;
  /** With `resume`: accept a plan that differs from the recorded one (replan.ts says what happens). */
  replan?: boolean;
  /** The whole expansion, for sweep.json, when `runs` is one shard of it. */
  plan?: PlannedRun[];
  /** Early stopping within each grid point (rung records in <dir>/scheduler). */
  scheduler?: SweepSpec['scheduler'];
  /** Array-job mode: this shard's own lock on the folder instead of the whole sweep's. */
  shard?: Shard;
  onEvent?(e: SweepEvent): void;
  /** Polled while runs are in flight: 'after-epoch' launches nothing new and lets runs finish their epoch. */
  stopRequested?(): StopRequest;
  /** How often a runner waiting on other runners looks at the folder again (ms). */
  pollMs?: number;
}

export interface SweepResult {
  outcomes: RunOutcome[];
  skipped: PlannedRun[];
  /** Runs another runner held (a queue worker, a shard) when their turn came: left to it. */
  busy: Array<{ run: PlannedRun; heldBy: string }>;
  interrupted: boolean;
  /** The first full-disk error: no run was started after it. */
  diskFull?: string;
}
