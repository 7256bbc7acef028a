import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import type { EpochRow } from '../train/loop.js';
import { COLUMNS } from '../base/metrics.js';
import { writeError, writeFileAtomic } from '../util/atomic.js';
import { dirname, join } from 'node:path';
import { RUN_FILES } from '../base/run-files.js';

const plain = COLUMNS.filter((c) => !('dev' in c));
const withDev = COLUMNS;

/** The header is a contract: spreadsheets and `highway report` read these names (train/metrics.ts). */
export const METRICS_HEADER = plain.map((c) => c.csv);
/** Appended for datasets with a validation split (SST-5's dev.txt). */
export const DEV_COLUMNS = COLUMNS.filter((c) => 'dev' in c).map((c) => c.csv);

const TIMING = new Set(['seconds', 'eval_seconds']);
const cell = (name: string, v: number | null) => (v === null ? '' : Number.isNaN(v) ? 'NaN' : TIMING.has(name) ? v.toFixed(3) : String(v));

/**
 * One row per epoch, appended and fsynced as each epoch ends, so a crash keeps every finished
 * row: metrics.csv for spreadsheets and metrics.jsonl (one JSON object per line, NaN as null) for
 * tools that tail a file. With `dev`, two more CSV columns at the end (readers of the first
 * eight are unaffected).
 */
export class MetricsCsv {
  private readonly columns: readonly (typeof COLUMNS)[number][];

  /**
   * New files with the CSV header; or, continuing a run from a checkpoint, both files rewritten
   * (atomically) with the checkpoint's rows, so rows of an epoch after the checkpoint go.
   */
  constructor(
    readonly path: string,
    readonly dev = false,
    rows?: EpochRow[],
    readonly jsonlPath = join(dirname(path), RUN_FILES.metricsJsonl),
  ) {
    this.columns = dev ? withDev : plain;
    const header = this.columns.map((c) => c.csv);
    if (rows) {
      writeFileAtomic(path, stringify([header, ...rows.map((r) => this.cells(r))]));
      writeFileAtomic(jsonlPath, rows.map((r) => `${this.json(r)}\n`).join(''));
    } else {
      this.append(path, stringify([header]));
      writeFileAtomic(jsonlPath, '');
    }
  }

  row(r: EpochRow): void {
    this.append(this.path, stringify([this.cells(r)]));
    this.append(this.jsonlPath, `${this.json(r)}\n`);
  }

  private cells(r: EpochRow): string[] {
    return this.columns.map((c) => cell(c.csv, c.get(r)));
  }

  private json(r: EpochRow): string {
    return JSON.stringify(Object.fromEntries(this.columns.map((c) => [c.csv, c.get(r)])));
  }

  private append(path: string, text: string): void {
    try {
      const fd = openSync(path, 'a');
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      throw writeError(e, path);
    }
  }
}
