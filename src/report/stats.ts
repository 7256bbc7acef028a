/**
 * Per (type, depth) statistics over finished runs (completed or diverged), as in the paper's
 * Figure 1: the best run (lowest final whole-training-set loss) and the mean of the top 10.
 * A diverged run's final loss counts as +∞: it is never the best and never in a top-10 mean
 * unless fewer than 10 runs were finite. Runs an early-stopping scheduler stopped did not reach
 * the last rung (their loss is from an earlier epoch): they are counted, never ranked.
 */
import { finalLoss, status, type RunRecord } from './load.js';

export const TOP_K = 10;

export interface GroupStats {
  type: string;
  depth: number;
  runs: RunRecord[];
  /** Finished runs sorted by final loss, best first. */
  ranked: RunRecord[];
  best: RunRecord | null;
  bestLoss: number;
  topK: RunRecord[];
  topKMean: number;
  diverged: number;
  /** Stopped early by the sweep's scheduler. */
  stopped: number;
}

const finalOrInf = (r: RunRecord) => {
  const v = finalLoss(r);
  return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
};

export function groupStats(runs: RunRecord[]): GroupStats[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const k = `${r.config.model.type}|${r.config.model.depth}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.entries()]
    .map(([k, rs]) => {
      const [type, depth] = k.split('|') as [string, string];
      const finished = rs.filter((r) => ['completed', 'diverged'].includes(status(r)));
      const ranked = [...finished].sort((a, b) => finalOrInf(a) - finalOrInf(b));
      const topK = ranked.slice(0, TOP_K);
      const topKMean = topK.length ? topK.reduce((s, r) => s + finalOrInf(r), 0) / topK.length : Number.NaN;
      return {
        type,
        depth: Number(depth),
        runs: rs,
        ranked,
        best: ranked[0] ?? null,
        bestLoss: ranked[0] ? finalOrInf(ranked[0]) : Number.NaN,
        topK,
        topKMean,
        diverged: finished.filter((r) => status(r) === 'diverged').length,
        stopped: rs.filter((r) => status(r) === 'stopped').length,
      };
    })
    .sort((a, b) => a.depth - b.depth || a.type.localeCompare(b.type));
}

/** Mean curve of the top-K runs: at each epoch, the mean over the runs that have a finite value. */
export function meanCurve(runs: RunRecord[]): number[] {
  const len = Math.max(0, ...runs.map((r) => r.trainLoss.length));
  return Array.from({ length: len }, (_, e) => {
    const vals = runs.map((r) => r.trainLoss[e]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : Number.NaN;
  });
}

/** Epochs the runs trained against the epochs they were configured for (what early stopping saved). */
export function budget(runs: RunRecord[]): { trained: number; full: number } {
  let trained = 0;
  let full = 0;
  for (const r of runs) {
    trained += Math.max(0, r.trainLoss.length - 1);
    full += r.config.train.epochs;
  }
  return { trained, full };
}

/** First epoch whose loss is at or below `level` (or null). */
export function epochsToReach(curve: number[], level: number): number | null {
  const e = curve.findIndex((v) => Number.isFinite(v) && v <= level);
  return e < 0 ? null : e;
}
