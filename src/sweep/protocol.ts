import type { ResolvedConfig } from '../config/index.js';
import type { EpochRow } from '../train/index.js';
import type { RunSummary } from '../runs/run.js';
import type { SchedulerTask } from './scheduler.js';

/** Parent → worker: run this config into this folder. A worker takes tasks one at a time. */
export interface WorkerTask {
  config: ResolvedConfig;
  out: string;
  sweep: { id: string; index: number; trial: number | null; params: Record<string, unknown> };
  /** The sweep's early-stopping scheduler, if it has one. */
  scheduler?: SchedulerTask;
}

/**
 * Worker → parent. After 'done' (unless `retire`) or a user 'error' the worker waits for its next
 * task; after anything else it exits.
 */
export type WorkerMessage =
  | { type: 'row'; row: EpochRow }
  | { type: 'done'; summary: RunSummary; retire: boolean }
  | { type: 'error'; message: string; user: boolean };
