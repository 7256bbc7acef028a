/**
 * Asynchronous successive halving (ASHA; Li et al. 2020, "A System for Massively Parallel
 * Hyperparameter Tuning"), in its stopping form (as Ray Tune's AsyncHyperBandScheduler):
 * rungs fall at minEpochs·reduction^k epochs (k = 0, 1, … while below the run's last epoch).
 * A run that reaches a rung records its metric there and continues only if it ranks in the top
 * 1/reduction of the runs of its group recorded at that rung so far, itself included — at least
 * the best one always continues. No run waits for stragglers: each decision uses the records
 * that exist when it is made.
 *
 * This file is the rule alone (no files, no tensors); rung-store.ts keeps the records.
 */
import { METRICS, lowerIsBetter, metricOf, type MetricName } from '../base/metrics.js';

export { lowerIsBetter, metricOf };
export const ASHA_METRICS = METRICS;
export type AshaMetric = MetricName;

export interface AshaSpec {
  /** What ranks runs; losses are minimised, accuracies maximised. */
  metric: AshaMetric;
  /** The first rung's epoch. */
  minEpochs: number;
  /** η: a rung keeps the top 1/η, and rungs are η times apart. */
  reduction: number;
}

/** The rung epochs for a run of `epochs` epochs: minEpochs·η^k < epochs. */
export function rungEpochs(spec: Pick<AshaSpec, 'minEpochs' | 'reduction'>, epochs: number): number[] {
  const rungs: number[] = [];
  for (let e = spec.minEpochs; e < epochs; e *= spec.reduction) rungs.push(e);
  return rungs;
}

export interface RungDecision {
  promote: boolean;
  /** 1 + the number of recorded runs strictly better than this one. */
  rank: number;
  /** Runs recorded at the rung, this one included. */
  of: number;
  /** How many of them continue: max(1, ⌊of / η⌋). */
  keep: number;
}

/**
 * Continue or stop, for a run with `value` at a rung where `others` (the other runs of its group)
 * were recorded before. Ties favour the newcomer (only strictly better runs rank above it).
 */
export function decide(value: number, others: number[], spec: Pick<AshaSpec, 'metric' | 'reduction'>): RungDecision {
  const better = lowerIsBetter(spec.metric) ? (o: number) => o < value : (o: number) => o > value;
  const rank = 1 + others.filter(better).length;
  const of = others.length + 1;
  const keep = Math.max(1, Math.floor(of / spec.reduction));
  return { promote: rank <= keep, rank, of, keep };
}
