import { relative } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { csvText } from '../util/escape.js';
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

function configValue(r: RunRecord, path: string): unknown {
  if (path in r.params) return r.params[path];
  const [sec, key] = path.split('.') as [string, string];
  return (r.config as unknown as Record<string, Record<string, unknown>>)[sec]?.[key];
}

/** runs.csv: one row per run. */
export function runsCsv(runs: RunRecord[], root: string): string {
  const params = paramColumns(runs);
  // runs with a validation split get the dev-selected columns
  const dev = runs.some((r) => devSelection(r) !== null);
  const devHeader = dev ? ['best_dev_acc', 'best_dev_epoch', 'test_acc_at_best_dev'] : [];
  const header = ['id', ...params, 'status', 'final_train_loss', 'best_train_loss', 'final_test_acc', ...devHeader, 'epochs', 'seconds', 'folder'];
  const rows = runs.map((r) => {
    const acc = r.testAcc[r.testAcc.length - 1];
    const sel = devSelection(r);
    const devCells = dev ? (sel ? [cell(sel.devAcc), cell(sel.epoch), cell(sel.testAcc)] : ['', '', '']) : [];
    return [
      cell(r.id),
      ...params.map((p) => cell(configValue(r, p))),
      cell(status(r)),
      cell(finalLoss(r)),
      cell(bestLoss(r)),
      cell(acc),
      ...devCells,
      cell(r.trainLoss.length ? r.trainLoss.length - 1 : ''),
      cell(r.summary?.wallSeconds !== undefined ? Number(r.summary.wallSeconds.toFixed(3)) : ''),
      cell(relative(root, r.dir) || '.'),
    ];
  });
  return stringify([header, ...rows]);
}

/** curves.csv: wide, `epoch` then one training-loss column per run; blank after a run stopped. */
export function curvesCsv(runs: RunRecord[]): string {
  const len = Math.max(0, ...runs.map((r) => r.trainLoss.length));
  const rows = Array.from({ length: len }, (_, e) => [String(e), ...runs.map((r) => cell(r.trainLoss[e]))]);
  return stringify([['epoch', ...runs.map((r) => cell(r.id))], ...rows]);
}
