import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import type { EpochRow } from '../train/loop.js';
import { writeError, writeFileAtomic } from '../util/atomic.js';

/** The header is a contract: spreadsheets and `highway report` read these names. */
export const METRICS_HEADER = ['epoch', 'train_loss', 'train_acc', 'test_loss', 'test_acc', 'lr', 'seconds', 'eval_seconds'] as const;
/** Appended for datasets with a validation split (SST-5's dev.txt). */
export const DEV_COLUMNS = ['dev_loss', 'dev_acc'] as const;

const num = (v: number | null) => (v === null ? '' : Number.isNaN(v) ? 'NaN' : String(v));

/**
 * One row per epoch, appended and fsynced as each epoch ends, so a crash keeps every finished row.
 * With `dev`, two more columns at the end (existing readers of the first eight are unaffected).
 */
export class MetricsCsv {
  /**
   * A new file with its header; or, continuing a run from a checkpoint, the file rewritten
   * (atomically) with the checkpoint's rows, so rows of an epoch after the checkpoint go.
   */
  constructor(
    readonly path: string,
    readonly dev = false,
    rows?: EpochRow[],
  ) {
    const header = dev ? [...METRICS_HEADER, ...DEV_COLUMNS] : [...METRICS_HEADER];
    if (rows) writeFileAtomic(path, stringify([header, ...rows.map((r) => this.cells(r))]));
    else this.append(header);
  }

  row(r: EpochRow): void {
    this.append(this.cells(r));
  }

  private cells(r: EpochRow): string[] {
    const cells = [
      String(r.epoch),
      num(r.trainLoss),
      num(r.trainAcc),
      num(r.testLoss),
      num(r.testAcc),
      num(r.lr),
      r.seconds.toFixed(3),
      r.evalSeconds.toFixed(3),
    ];
    return this.dev ? [...cells, num(r.devLoss), num(r.devAcc)] : cells;
  }

  private append(cells: string[]): void {
    try {
      const fd = openSync(this.path, 'a');
      try {
        writeSync(fd, stringify([cells]));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      throw writeError(e, this.path);
    }
  }
}
