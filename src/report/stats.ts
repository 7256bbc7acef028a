/**
 * Per (type, depth) statistics, as in the paper's Figure 1: the best run (lowest final
 * whole-training-set loss) and the mean of the top 10 — both over the runs that reached their
 * last epoch (finishers). A run that diverged, or that an early-stopping scheduler stopped, is
 * counted and shown, never ranked: its loss is from another epoch, or infinite. A top-10 mean is
 * taken only over 10 finishers (`topKComplete`); fewer, and a claim that needs it is not tested.
 */
import { finalLoss, status, type RunRecord } from './load.js';

export const TOP_K = 10;

export interface GroupStats {
  type: string;
  depth: number;
  /** The study the cell belongs to (cells.ts: its sweep, or the settings its runs share); "" when all runs are one study. */
  study: string;
  runs: RunRecord[];
  /** Runs that reached their last epoch with a finite loss (status completed), best first. */
  ranked: RunRecord[];
  best: RunRecord | null;
  bestLoss: number;
  /** The best TOP_K finishers (fewer if there are fewer). */
  topK: RunRecord[];
  /** Mean final loss of `topK` (NaN without finishers). */
  topKMean: number;
  /** TOP_K finishers exist: the top-10 mean is the paper's statistic. */
  topKComplete: boolean;
  diverged: number;
  /** Stopped early by the sweep's scheduler. */
  stopped: number;
}

export function groupStats(runs: RunRecord[], studyOf?: Map<RunRecord, string>): GroupStats[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const k = JSON.stringify([r.config.model.type, r.config.model.depth, studyOf?.get(r) ?? '']);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.entries()]
    .map(([k, rs]) => {
      const [type, depth, study] = JSON.parse(k) as [string, number, string];
      const ranked = rs.filter((r) => status(r) === 'completed' && Number.isFinite(finalLoss(r))).sort((a, b) => finalLoss(a) - finalLoss(b));
      const topK = ranked.slice(0, TOP_K);
      return {
        type,
        depth,
        study,
        runs: rs,
        ranked,
        best: ranked[0] ?? null,
        bestLoss: ranked[0] ? finalLoss(ranked[0]) : Number.NaN,
        topK,
        topKMean: topK.length ? topK.reduce((s, r) => s + finalLoss(r), 0) / topK.length : Number.NaN,
        topKComplete: topK.length === TOP_K,
        diverged: rs.filter((r) => status(r) === 'diverged').length,
        stopped: rs.filter((r) => status(r) === 'stopped').length,
      };
    })
    .sort((a, b) => a.depth - b.depth || a.type.localeCompare(b.type) || a.study.localeCompare(b.study));
}

/** Mean curve of runs: at each epoch, the mean over the runs that have a finite value there. */
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
