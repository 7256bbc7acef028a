/**
 * A run's best epoch for summary.json: the lowest training loss, and the epoch a model would be
 * chosen at — on the dev split where there is one, never on test.
 */
import type { EpochRow } from '../train/index.js';

/** summary.json's `best`. */
export interface BestEpoch {
  trainLoss: number;
  trainLossEpoch: number;
  /**
   * Only without a validation split: the highest test accuracy over the epochs and its epoch —
   * chosen on test, so an optimistic number, named to say so.
   */
  testAccChosenOnTest?: number;
  testAccChosenOnTestEpoch?: number;
  /** Datasets with a validation split: the epoch chosen on dev, and its test accuracy (the number to report). */
  devAcc?: number;
  devAccEpoch?: number;
  testAccAtBestDev?: number;
}

export function bestOf(rows: EpochRow[]): BestEpoch | null {
  const finite = rows.filter((r) => Number.isFinite(r.trainLoss));
  if (finite.length === 0) return null;
  const byLoss = finite.reduce((a, b) => (b.trainLoss < a.trainLoss ? b : a));
  const best: BestEpoch = { trainLoss: byLoss.trainLoss, trainLossEpoch: byLoss.epoch };
  const withDev = finite.filter((r) => r.devAcc !== null && Number.isFinite(r.devAcc));
  if (withDev.length > 0) {
    // model selection on dev, never on test: the first epoch with the highest dev accuracy
    const byDev = withDev.reduce((a, b) => (b.devAcc! > a.devAcc! ? b : a));
    Object.assign(best, { devAcc: byDev.devAcc!, devAccEpoch: byDev.epoch, testAccAtBestDev: byDev.testAcc });
  } else {
    const byAcc = finite.reduce((a, b) => (b.testAcc > a.testAcc ? b : a));
    Object.assign(best, { testAccChosenOnTest: byAcc.testAcc, testAccChosenOnTestEpoch: byAcc.epoch });
  }
  return best;
}
