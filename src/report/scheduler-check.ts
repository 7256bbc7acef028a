/**
 * Early stopping, checked: in a cell whose runs all trained to the end (a pilot without a
 * scheduler), how well does each rung's ranking predict the final one (Spearman's ρ), and how
 * many of the true top 10 would successive halving have kept to the end? Replayed on the curves
 * with the same rule the sweeps use (sweep/sha.ts), so the answer is about that rule.
 */
import { TOP_K, type GroupStats } from './stats.js';
import { finalLoss, status, type RunRecord } from './load.js';
import { decideRung, rungEpochs, type ShaSpec } from '../sweep/sha.js';

/** What the Figure-1 study uses (configs/paper-fig1-plain-highway.json): rungs at 1, 3, 9 of 27, at least 10 finishers. */
export const STUDY_SHA: ShaSpec = { metric: 'train_loss', minEpochs: 1, reduction: 3, minFinishers: TOP_K };

/** A cell needs this many runs trained to the end for the check to mean anything. */
export const MIN_PILOT_RUNS = 2 * TOP_K;

export interface RungCheck {
  epoch: number;
  /** Spearman's rank correlation between the losses at this epoch and the final losses. */
  spearman: number;
  /** Of the true top 10 (by final loss), how many successive halving keeps past this rung. */
  topKept: number;
  /** How many runs it keeps past this rung. */
  kept: number;
}

export interface SchedulerCheck {
  type: string;
  depth: number;
  runs: number;
  epochs: number;
  rungs: RungCheck[];
}

/** Ranks 1…n, ties sharing the mean of their places (as Spearman's ρ wants them). */
export function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's ρ: Pearson's correlation of the ranks. */
export function spearman(a: number[], b: number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const ma = mean(ra);
  const mb = mean(rb);
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - ma) * (rb[i]! - mb);
    da += (ra[i]! - ma) ** 2;
    db += (rb[i]! - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

const lossAt = (r: RunRecord, epoch: number) => {
  const v = r.trainLoss[epoch];
  return v !== undefined && Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
};
const finalOrInf = (r: RunRecord) => (Number.isFinite(finalLoss(r)) ? finalLoss(r) : Number.POSITIVE_INFINITY);

/** The check for every cell whose runs all ended without a scheduler (completed or diverged), MIN_PILOT_RUNS or more. */
export function checkEarlyStopping(stats: GroupStats[], spec: ShaSpec = STUDY_SHA): SchedulerCheck[] {
  return stats.flatMap((s) => {
    const runs = s.runs.filter((r) => !r.unreadable);
    if (runs.length < MIN_PILOT_RUNS || !runs.every((r) => ['completed', 'diverged'].includes(status(r)))) return [];
    const epochs = Math.max(...runs.map((r) => r.config.train.epochs));
    const rungs = rungEpochs(spec, epochs);
    if (rungs.length === 0) return [];
    const finals = runs.map(finalOrInf);
    const trueTop = new Set(
      runs
        .map((r, i) => [r, finals[i]!] as const)
        .sort((a, b) => a[1] - b[1])
        .slice(0, TOP_K)
        .map(([r]) => r),
    );
    let alive = runs.map((r, index) => ({ r, index }));
    const checks = rungs.map((epoch) => {
      const rho = spearman(
        runs.map((r) => lossAt(r, epoch)),
        finals,
      );
      // a run that diverged before the rung has no value there, as in a real sweep
      const d = decideRung(
        alive.map(({ r, index }) => ({ id: String(index), index, value: Number.isFinite(lossAt(r, epoch)) ? lossAt(r, epoch) : null })),
        spec,
        epoch,
      );
      const promoted = new Set(d.promoted);
      alive = alive.filter(({ index }) => promoted.has(String(index)));
      return { epoch, spearman: rho, topKept: alive.filter(({ r }) => trueTop.has(r)).length, kept: alive.length };
    });
    return [{ type: s.type, depth: s.depth, runs: runs.length, epochs, rungs: checks }];
  });
}

/** The report.md section (empty when no cell qualifies). */
export function schedulerCheckMarkdown(checks: SchedulerCheck[], h = '##', spec: ShaSpec = STUDY_SHA): string[] {
  if (checks.length === 0) return [];
  const lines = [
    `${h} Early stopping, checked against runs trained to the end`,
    '',
    `Cells whose runs all trained to their last epoch (${MIN_PILOT_RUNS} or more runs, no scheduler). At each rung of successive halving as the study uses it (first rung ${spec.minEpochs}, η ${spec.reduction}, at least ${spec.minFinishers} kept, ranked by ${spec.metric}): Spearman's ρ between the ranking there and the final ranking, and how many of the true top ${TOP_K} (by final loss) the rule would keep past that rung.`,
    '',
    `| cell | runs | rung epoch | Spearman ρ (rung vs final) | kept | of the true top ${TOP_K}, kept |`,
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const c of checks) {
    for (const r of c.rungs)
      lines.push(`| ${c.type} d${c.depth} | ${c.runs} | ${r.epoch} of ${c.epochs} | ${r.spearman.toFixed(3)} | ${r.kept} | ${r.topKept} |`);
  }
  lines.push('');
  return lines;
}
