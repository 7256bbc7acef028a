/**
 * Synchronous successive halving (SHA; Jamieson & Talwalkar 2016, the inner loop of Hyperband,
 * Li et al. 2018, and of Ray Tune's HyperBandScheduler), per group (a grid point): every run of
 * the group trains to the first rung, minEpochs; once ALL of them have reached it (or diverged,
 * or failed), they are ranked by the metric there and the best max(⌈n/η⌉, minFinishers) continue
 * from their checkpoints to the next rung, η times further; the rest stop at that rung. Rungs fall
 * at minEpochs·η^k below the last epoch.
 *
 * Unlike ASHA, nothing depends on which run arrives first: the decision at a rung is a function of
 * the members' values alone (ties broken by plan order), so the same config gives the same
 * finishers with any number of jobs, workers, pauses or resumes.
 *
 * This file is the rule alone (no files, no tensors); sha-store.ts keeps the records on disk and
 * sha-state.ts works out what each run does next.
 */
import { lowerIsBetter, rungEpochs, type AshaMetric } from './asha.js';

export interface ShaSpec {
  metric: AshaMetric;
  /** The first rung's epoch. */
  minEpochs: number;
  /** η: rungs η times apart; a rung keeps the best 1/η … */
  reduction: number;
  /** … but never fewer than this many (while that many are left): the statistics need finishers. */
  minFinishers: number;
}

export { rungEpochs };

/** One member of a rung: its value there, or null if it diverged or failed on the way (it never continues). */
export interface RungEntry {
  id: string;
  /** Position in the sweep's plan: breaks ties, so a decision never depends on timing. */
  index: number;
  value: number | null;
}

export interface ShaDecision {
  epoch: number;
  /** Runs that were to reach this rung (all of the group at the first rung; the promoted ones after). */
  members: number;
  /** How many continue: max(⌈members/η⌉, minFinishers), at most the members with a value. */
  keep: number;
  /** The continuing runs' ids, best first. */
  promoted: string[];
  /** Every member, best first; diverged or failed ones last with rank null. */
  ranking: Array<{ id: string; value: number | null; rank: number | null }>;
}

export function decideRung(entries: RungEntry[], spec: Pick<ShaSpec, 'metric' | 'reduction' | 'minFinishers'>, epoch: number): ShaDecision {
  const sign = lowerIsBetter(spec.metric) ? 1 : -1;
  const valued = entries.filter((e): e is RungEntry & { value: number } => e.value !== null && Number.isFinite(e.value));
  const ranked = [...valued].sort((a, b) => sign * (a.value - b.value) || a.index - b.index);
  const keep = Math.min(ranked.length, Math.max(Math.ceil(entries.length / spec.reduction), spec.minFinishers));
  const dropped = entries.filter((e) => !valued.includes(e as RungEntry & { value: number })).sort((a, b) => a.index - b.index);
  return {
    epoch,
    members: entries.length,
    keep,
    promoted: ranked.slice(0, keep).map((e) => e.id),
    ranking: [...ranked.map((e, i) => ({ id: e.id, value: e.value, rank: i + 1 })), ...dropped.map((e) => ({ id: e.id, value: null, rank: null }))],
  };
}

/** Epochs trained by a group of n runs with `epochs` each under SHA (every promoted run trained to the next rung): the budget a study plans with. */
export function shaBudget(n: number, epochs: number, spec: Pick<ShaSpec, 'minEpochs' | 'reduction' | 'minFinishers'>): number {
  const rungs = rungEpochs(spec, epochs);
  let alive = n;
  let total = 0;
  let at = 0;
  for (const r of [...rungs, epochs]) {
    total += alive * (r - at);
    at = r;
    alive = Math.min(alive, Math.max(Math.ceil(alive / spec.reduction), spec.minFinishers));
  }
  return total;
}
