/**
 * The report's tables for spreadsheets and pandas. Every run is keyed by its folder relative to
 * the report's root and the sweep it came from (two sweeps may share run ids); every text cell is
 * made safe for a spreadsheet.
 */
import { stringify } from 'csv-stringify/sync';
import { COLUMNS } from '../base/metrics.js';
import { FIELD_PATHS } from '../config/index.js';
import { csvText } from '../util/escape.js';
import type { Cells } from './cells.js';
import { bestLoss, devSelection, finalLoss, status, type RunRecord } from './load.js';

/** A cell: numbers as they are, any text (from the runs) made safe for a spreadsheet. */
const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'number' ? (Number.isNaN(v) ? 'NaN' : String(v)) : csvText(String(v)));

/** Columns for every swept parameter (first-seen order), plus type and depth if not swept. */
export function paramColumns(runs: RunRecord[]): string[] {
  const cols: string[] = [];
  for (const r of runs) for (const k of Object.keys(r.params)) if (!cols.includes(k)) cols.push(k);
  for (const k of ['model.type', 'model.depth']) if (!cols.includes(k)) cols.push(k);
  return cols;
}

/** The value a run used at a config path (its swept value where it has one). */
export function configValue(r: RunRecord, path: string): unknown {
  if (path in r.params) return r.params[path];
  const [sec, key] = path.includes('.') ? (path.split('.') as [string, string]) : [path, undefined];
  const top = (r.config as unknown as Record<string, unknown>)[sec];
  return key === undefined ? top : (top as Record<string, unknown> | undefined)?.[key];
}

const value = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : v);

/** runs.csv: one row per run. */
export function runsCsv(runs: RunRecord[], cells: Cells): string {
  const params = paramColumns(runs);
  const studies = cells.studies.length > 1;
  // runs with a validation split get the dev-selected columns
  const dev = runs.some((r) => devSelection(r) !== null);
  const devHeader = dev ? ['best_dev_acc', 'best_dev_epoch', 'test_acc_at_best_dev'] : [];
  const header = [
    'id',
    'sweep',
    ...(studies ? ['study'] : []),
    ...params,
    'status',
    'final_train_loss',
    'best_train_loss',
    'final_test_acc',
    ...devHeader,
    'epochs',
    'params',
    'seconds',
    'folder',
  ];
  const rows = runs.map((r) => {
    const acc = r.testAcc[r.testAcc.length - 1];
    const sel = devSelection(r);
    const devCells = dev ? (sel ? [cell(sel.devAcc), cell(sel.epoch), cell(sel.testAcc)] : ['', '', '']) : [];
    return [
      cell(r.id),
      cell(r.sweep),
      ...(studies ? [cell(cells.studyOf.get(r) ?? '')] : []),
      ...params.map((p) => cell(value(configValue(r, p)))),
      cell(status(r)),
      cell(finalLoss(r)),
      cell(bestLoss(r)),
      cell(acc),
      ...devCells,
      cell(r.trainLoss.length ? r.trainLoss.length - 1 : ''),
      cell(r.paramCount),
      cell(r.summary?.wallSeconds !== undefined ? Number(r.summary.wallSeconds.toFixed(3)) : ''),
      cell(r.key),
    ];
  });
  return stringify([header, ...rows]);
}

/** curves.csv: wide, `epoch` then one training-loss column per run, named by its folder; blank after a run stopped. */
export function curvesCsv(runs: RunRecord[]): string {
  const len = Math.max(0, ...runs.map((r) => r.trainLoss.length));
  const rows = Array.from({ length: len }, (_, e) => [String(e), ...runs.map((r) => cell(r.trainLoss[e]))]);
  return stringify([['epoch', ...runs.map((r) => cell(r.key))], ...rows]);
}

/** The per-epoch columns of epochs.csv (every metric and the learning rate), in metrics.csv's order. */
const EPOCH_COLUMNS = COLUMNS.filter((c) => 'better' in c || c.csv === 'lr').map((c) => c.csv);

/**
 * epochs.csv: the long form, one row per run and epoch — every metric, then the run's parameter
 * count and status, then every config field (the searched value where the run searched it) — the
 * same columns in every row, for pandas and spreadsheets.
 */
export function epochsCsv(runs: RunRecord[]): string {
  const header = ['run', 'sweep', 'epoch', ...EPOCH_COLUMNS, 'params', 'status', ...FIELD_PATHS];
  const rows = runs
    .filter((r) => !r.unreadable)
    .flatMap((r) => {
      const settings = FIELD_PATHS.map((p) => cell(value(configValue(r, p))));
      return r.trainLoss.map((_, epoch) => [
        cell(r.key),
        cell(r.sweep),
        String(epoch),
        // the untrained net's row has no learning rate: empty, as in metrics.csv (a NaN loss stays NaN)
        ...EPOCH_COLUMNS.map((c) => (c === 'lr' && !Number.isFinite(r.metrics[c]?.[epoch]) ? '' : cell(r.metrics[c]?.[epoch]))),
        cell(r.paramCount),
        cell(status(r)),
        ...settings,
      ]);
    });
  return stringify([header, ...rows]);
}
