import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import type { EpochRow } from '../train/loop.js';
import { writeError } from '../util/atomic.js';

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
  constructor(
    readonly path: string,
    readonly dev = false,
  ) {
    this.append(dev ? [...METRICS_HEADER, ...DEV_COLUMNS] : [...METRICS_HEADER]);
  }

  row(r: EpochRow): void {
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
    this.append(this.dev ? [...cells, num(r.devLoss), num(r.devAcc)] : cells);
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
