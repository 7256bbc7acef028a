/**
 * How long a sweep still has to go, from what it has measured: seconds per epoch in each cell
 * (model type × depth: a depth-100 epoch costs ten times a depth-10 one) times the epochs each
 * cell still has to train, spread over the job slots. Cells not measured yet borrow the
 * measured cells' cost per layer. Under successive halving a group's remaining epochs are its
 * budget (every promoted run to the next rung) less what it has trained.
 */
import type { EpochRow } from '../train/index.js';
import type { PlannedRun } from './expand.js';
import { shaBudget, type ShaSpec } from './sha.js';

const cellOf = (r: PlannedRun) => `${r.config.model.type}|${r.config.model.depth}|${r.config.train.batchSize}`;

export class SweepClock {
  /** Per cell: total seconds and epochs measured. */
  private readonly cells = new Map<string, { seconds: number; epochs: number }>();
  /** Per run: the last epoch reached and its clock reading. */
  private readonly reached = new Map<string, { epoch: number; seconds: number }>();
  private readonly done = new Set<string>();

  constructor(
    private readonly plan: PlannedRun[],
    private readonly sha: ShaSpec | null,
  ) {}

  /** A run already this far on disk (a resumed sweep): counted as done, not as measured. */
  start(run: PlannedRun, epoch: number): void {
    this.reached.set(run.id, { epoch, seconds: Number.NaN });
  }

  /** A finished epoch's row; its duration (since the run's previous row) is a measurement of its cell. */
  row(run: PlannedRun, row: EpochRow): void {
    const before = this.reached.get(run.id);
    if (before && row.epoch === before.epoch + 1 && Number.isFinite(before.seconds) && row.seconds > before.seconds) {
      const c = this.cells.get(cellOf(run)) ?? { seconds: 0, epochs: 0 };
      c.seconds += row.seconds - before.seconds;
      c.epochs += 1;
      this.cells.set(cellOf(run), c);
    }
    this.reached.set(run.id, { epoch: row.epoch, seconds: row.seconds });
  }

  /** A run finished for good (completed, stopped at a rung, diverged, failed) after `epoch` epochs. */
  finished(run: PlannedRun, epoch: number): void {
    this.reached.set(run.id, { epoch, seconds: Number.NaN });
    this.done.add(run.id);
  }

  secondsPerEpoch(run: PlannedRun): number | null {
    const c = this.cells.get(cellOf(run));
    if (c && c.epochs > 0) return c.seconds / c.epochs;
    // not measured yet: the measured cells' seconds per epoch and layer, times this depth
    const perLayer = [...this.cells.entries()].filter(([, x]) => x.epochs > 0).map(([k, x]) => x.seconds / x.epochs / Number(k.split('|')[1]));
    if (perLayer.length === 0) return null;
    perLayer.sort((a, b) => a - b);
    return perLayer[Math.floor(perLayer.length / 2)]! * run.config.model.depth;
  }

  /** Seconds left with `jobs` slots, or null before any epoch was measured. */
  remainingSeconds(jobs: number, runs: PlannedRun[] = this.plan): number | null {
    let total = 0;
    for (const [epochs, run] of this.remainingEpochs(runs)) {
      if (epochs === 0) continue;
      const s = this.secondsPerEpoch(run);
      if (s === null) return null;
      total += epochs * s;
    }
    return total / Math.max(1, jobs);
  }

  /** [epochs still to train, a run of that cell]: per run, or per group under successive halving. */
  private remainingEpochs(runs: PlannedRun[]): Array<[number, PlannedRun]> {
    const at = (r: PlannedRun) => this.reached.get(r.id)?.epoch ?? 0;
    if (!this.sha) return runs.map((r) => [this.done.has(r.id) ? 0 : Math.max(0, r.config.train.epochs - at(r)), r]);
    const groups = new Map<string, PlannedRun[]>();
    for (const r of runs) groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
    // the group's budget (every promoted run to its next rung) less every epoch its runs trained
    return [...groups.values()].map((g) => {
      const trained = g.reduce((n, r) => n + at(r), 0);
      return [Math.max(0, shaBudget(g.length, g[0]!.config.train.epochs, this.sha!) - trained), g[0]!];
    });
  }
}
