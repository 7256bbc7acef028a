/**
 * A sweep's early-stopping scheduler as the trainer sees it: a hook asked after each epoch. The
 * sweep (or the queue job) says which scheduler, the run's group and the sweep folder holding the
 * rung records; the hook records the run's metric at each rung and answers stop or continue.
 */
import { UserError } from '../errors.js';
import type { EarlyStop, EpochRow } from '../train/index.js';
import { metricOf, rungEpochs, type AshaSpec } from './asha.js';
import { RungStore } from './rung-store.js';

/** What a runner needs to apply the scheduler to one run. */
export interface SchedulerTask {
  asha: AshaSpec;
  /** The run's grid point: runs compete only within it. */
  group: string;
  /** The sweep folder as this machine sees it (the rung records live there). */
  sweepDir: string;
}

export function earlyStopper(s: SchedulerTask, runId: string, epochs: number): (row: EpochRow) => EarlyStop | null {
  const rungs = rungEpochs(s.asha, epochs);
  const store = new RungStore(s.sweepDir);
  const { metric } = s.asha;
  return (row) => {
    const k = rungs.indexOf(row.epoch);
    if (k < 0) return null;
    const value = metricOf(row, metric);
    if (value === null) {
      throw new UserError(`sweep.scheduler.asha.metric: "${metric}" has no value at epoch ${row.epoch} (dev_loss and dev_acc need a dataset with a dev split)`);
    }
    const d = store.record(s.group, row.epoch, runId, value, s.asha);
    if (d.promote) return null;
    return {
      epoch: row.epoch,
      reason: `ASHA rung ${k + 1} (epoch ${row.epoch}): ${metric} ${value.toPrecision(4)} ranked ${d.rank} of ${d.of} in ${s.group}; the top ${d.keep} continue`,
      rung: k + 1,
      metric,
      value,
      rank: d.rank,
      of: d.of,
      keep: d.keep,
    };
  };
}
