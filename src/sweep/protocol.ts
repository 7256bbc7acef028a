import type { ResolvedConfig } from '../config/index.js';
import type { EpochRow } from '../train/index.js';
import type { RunSummary } from '../runs/run.js';

/** Parent → worker: run this config into this folder. */
export interface WorkerTask {
  config: ResolvedConfig;
  out: string;
  sweep: { id: string; index: number; trial: number | null; params: Record<string, unknown> };
}

/** Worker → parent. */
export type WorkerMessage =
  | { type: 'row'; row: EpochRow }
  | { type: 'done'; summary: RunSummary }
  | { type: 'error'; message: string; user: boolean };
