import type { ResolvedConfig } from '../config/index.js';
import type { EpochRow } from '../train/index.js';
import type { RunSummary } from '../runs/run.js';
import type { SchedulerTask } from './scheduler.js';
import type { Fence } from '../runs/lease.js';

/** Parent → worker: run this config into this folder. A worker takes tasks one at a time. */
export interface WorkerTask {
  config: ResolvedConfig;
  out: string;
  sweep: { id: string; index: number; trial: number | null; params: Record<string, unknown> };
  /** The sweep's asynchronous early-stopping scheduler (ASHA), if it has one. */
  scheduler?: SchedulerTask;
  /** Continue the run's folder from its checkpoint instead of starting it afresh. */
  resume?: boolean;
  /** Train to this epoch only (a rung of successive halving), then pause. */
  untilEpoch?: number;
  /** The run's lease: checked before every write, so a runner that lost it writes nothing more. */
  lease?: Fence;
}

/**
 * Worker → parent. After 'done' (unless `retire`) or a user 'error' the worker waits for its next
 * task; after anything else it exits.
 */
export type WorkerMessage =
  | { type: 'row'; row: EpochRow }
  | { type: 'done'; summary: RunSummary; retire: boolean }
  | { type: 'error'; message: string; user: boolean; lostLease?: boolean };
