/**
 * Array-job mode: shard i of n runs the runs whose index ≡ i (mod n) in the deterministic
 * expansion, so n independent tasks (Slurm array, Kubernetes indexed job, GNU parallel) cover
 * the sweep exactly once, with the same run ids and folders as one `highway sweep`.
 */
import { UserError } from '../errors.js';
import { clip } from '../util/strings.js';
import type { PlannedRun } from './expand.js';

export interface Shard {
  index: number;
  count: number;
}

/** More shards than any array job has tasks (Slurm's own limit is 4,000,001 per array). */
const MAX_SHARDS = 1_000_000;

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || count > MAX_SHARDS || index >= count) {
    throw new UserError(`--shard: expected i/n with 0 ≤ i < n ≤ ${MAX_SHARDS.toLocaleString('en-US')} (e.g. 0/4), got "${clip(text)}"`);
  }
  return { index, count };
}

export const inShard = (runs: PlannedRun[], s: Shard) => runs.filter((r) => r.index % s.count === s.index);
