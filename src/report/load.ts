/**
 * Read run folders, and nothing else: the report works on partial sweeps and on folders
 * copied from other machines. A run folder is any folder holding config.json (a run that
 * failed before its first epoch has no metrics.csv; it is listed with an empty curve).
 */
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ResolvedConfig } from '../config/index.js';
import { UserError } from '../errors.js';
import { RUN_FILES, SWEEP_FILES } from '../base/run-files.js';
import type { RunSummary } from '../runs/run.js';
import { FIELDS } from '../config/index.js';
import { clip } from '../util/strings.js';
import { checkConfig, checkSummary } from './check-run.js';
import { COLUMNS } from '../base/metrics.js';

export interface RunRecord {
  id: string;
  /** The run folder relative to the report's root: unique among the runs of a report (two sweeps may share run ids). */
  key: string;
  /** The sweep folder it belongs to, relative to the root ("" for a run that is not part of a sweep). */
  sweep: string;
  dir: string;
  /** Trainable parameters (summary.json; null before the run built its net). */
  paramCount: number | null;
  /** Every metric of metrics.csv per epoch, by column name (train_loss, test_acc, …). */
  metrics: Record<string, number[]>;
  config: ResolvedConfig & { run?: { sweep?: { id: string; index: number; params: Record<string, unknown> }; backend?: string } };
  summary: RunSummary | null;
  /** Whole-training-set loss per epoch, index = epoch (NaN where missing). */
  trainLoss: number[];
  testAcc: number[];
  /** Validation accuracy per epoch (datasets with a dev split; empty otherwise). */
  devAcc: number[];
  /** Swept parameters (path → value, null where not applicable); empty for single runs. */
  params: Record<string, unknown>;
  /** Why its metrics.csv could not be read (the run then counts as "unreadable"). */
  unreadable?: string;
}

/**
 * Run folders under `root`, up to `depth` levels down. Symbolic links are not followed (a link
 * loop, a dangling link or `self -> .` neither fails nor lists a run twice), and each folder is
 * visited once by its real path.
 */
function findRunDirs(root: string, depth: number, seen = new Set<string>()): string[] {
  const real = realpathSync(root);
  if (seen.has(real)) return [];
  seen.add(real);
  if (existsSync(join(root, RUN_FILES.config))) return [root];
  if (depth === 0) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== RUN_FILES.model)
    .map((d) => join(root, d.name))
    .sort()
    .flatMap((p) => findRunDirs(p, depth - 1, seen));
}

type Curves = { trainLoss: number[]; testAcc: number[]; devAcc: number[]; metrics: Record<string, number[]>; unreadable?: string };
const METRIC_COLUMNS = COLUMNS.filter((c) => 'better' in c || c.csv === 'lr').map((c) => c.csv);

/** The curves of metrics.csv; `maxEpoch` (train.epochs) bounds them: a row beyond is a damaged file, not a reason to allocate its epoch's worth of array. */
function readCurve(file: string, maxEpoch: number): Curves {
  const none = { trainLoss: [], testAcc: [], devAcc: [], metrics: {} };
  if (!existsSync(file)) return none;
  let rows: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    rows = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, relax_column_count: true, info: true });
    if (rows.length > 0 && !('epoch' in rows[0]!.record)) throw new Error('no "epoch" column');
  } catch (e) {
    // one corrupt file must not cost the report: the run is listed as unreadable
    return { ...none, unreadable: `${file}: ${clip((e as Error).message.split('\n')[0] ?? '', 200)}` };
  }
  const present = METRIC_COLUMNS.filter((c) => rows.length > 0 && c in rows[0]!.record);
  const metrics: Record<string, number[]> = Object.fromEntries(present.map((c) => [c, [] as number[]]));
  // a cell is a number, "NaN" (a diverged run's loss) or empty (epoch 0's lr); anything else is a damaged file
  const blank = (v: string | undefined) => v === undefined || v.trim() === '' || v === 'NaN';
  for (const { record: r, info } of rows) {
    const e = Number(r.epoch);
    if (!Number.isInteger(e) || e < 0)
      return { ...none, unreadable: `${file}:${info.lines}: epoch ${clip(JSON.stringify(r.epoch ?? ''), 40)} is not an epoch number` };
    if (e > maxEpoch) return { ...none, unreadable: `${file}:${info.lines}: epoch ${e} is beyond train.epochs (${maxEpoch})` };
    for (const c of present) {
      const text = r[c];
      const v = blank(text) ? Number.NaN : Number(text);
      if (Number.isNaN(v) && !blank(text)) return { ...none, unreadable: `${file}:${info.lines}: ${c} ${clip(JSON.stringify(text), 40)} is not a number` };
      metrics[c]![e] = v;
    }
  }
  const dense = (a: number[] | undefined) => Array.from(a ?? [], (v) => v ?? Number.NaN);
  for (const c of present) metrics[c] = dense(metrics[c]);
  return { trainLoss: metrics.train_loss ?? [], testAcc: metrics.test_acc ?? [], devAcc: metrics.dev_acc ?? [], metrics };
}

export function loadRuns(root: string): RunRecord[] {
  if (!existsSync(root)) throw new UserError(`results folder ${root} does not exist`);
  if (!statSync(root).isDirectory()) throw new UserError(`${root} is not a folder`);
  const dirs = findRunDirs(root, 4);
  if (dirs.length === 0) throw new UserError(`${root}: no run folders found (a run folder holds config.json)`);
  const sweeps = dirs.map((dir) => sweepOf(root, dir));
  // the report's own sweep is named by its folder ("fig1", not "."), unless a sweep inside has that path
  const own = basename(resolve(root));
  const ownName = own && !sweeps.includes(own) ? own : '.';
  return dirs.map((dir, i) => ({ ...loadRun(dir), key: relative(root, dir) || '.', sweep: sweeps[i] === '.' ? ownName : sweeps[i]! }));
}

/** The sweep folder of a run folder `<sweep>/runs/<id>` (one whose sweep.json exists), relative to the root ("." for the root); "" otherwise. */
function sweepOf(root: string, dir: string): string {
  const parent = dirname(dir);
  if (basename(parent) !== SWEEP_FILES.runs || !existsSync(join(dirname(parent), SWEEP_FILES.plan))) return '';
  return relative(root, dirname(parent)) || '.';
}

/** A JSON file's value (undefined if there is no file), or why it cannot be read. */
function readJson(file: string): { value?: unknown; problem?: string } {
  if (!existsSync(file)) return {};
  try {
    return { value: JSON.parse(readFileSync(file, 'utf8')) };
  } catch {
    return { problem: 'not valid JSON' };
  }
}

/**
 * What an unreadable run's config says, for the tables that list it: nothing of its own (it may be
 * anything), so no statistic, chart or table ever reads its fields.
 */
const NO_CONFIG = { model: { type: '', depth: 0 }, train: { epochs: 0 } } as unknown as RunRecord['config'];

/** One run folder, checked (check-run.ts): a run whose files cannot be used is listed as unreadable, with the reason. */
function loadRun(dir: string): RunRecord {
  const [cfgFile, summaryFile] = [join(dir, RUN_FILES.config), join(dir, RUN_FILES.summary)];
  const config = readJson(cfgFile);
  const checked = config.problem ? { problem: config.problem } : checkConfig(config.value);
  const none = { dir, key: '', sweep: '', summary: null, paramCount: null, trainLoss: [], testAcc: [], devAcc: [], metrics: {}, params: {} };
  if (checked.problem) return { ...none, id: basename(dir), config: NO_CONFIG, unreadable: `${cfgFile}: ${checked.problem}` };
  const cfg = config.value as RunRecord['config'];
  const summary = readJson(summaryFile);
  const summaryProblem = summary.problem ?? checkSummary(summary.value);
  const record: RunRecord = {
    ...none,
    id: checked.sweep?.id ?? basename(dir),
    config: cfg,
    params: checked.sweep?.params ?? {},
    // (hand-made folders may leave train.epochs out: then the most a config allows)
    ...readCurve(join(dir, RUN_FILES.metrics), cfg.train.epochs ?? (FIELDS['train.epochs'] as { max: number }).max),
  };
  if (summaryProblem) return { ...record, trainLoss: [], testAcc: [], devAcc: [], metrics: {}, unreadable: `${summaryFile}: ${summaryProblem}` };
  const s = (summary.value as RunSummary | undefined) ?? null;
  return { ...record, summary: s, paramCount: typeof s?.params === 'number' && Number.isFinite(s.params) && s.params > 0 ? s.params : null };
}

/** Final whole-training-set loss of a run: its last row's (NaN if that row diverged, or if there is none). */
export function finalLoss(r: RunRecord): number {
  const v = r.trainLoss[r.trainLoss.length - 1];
  return v === undefined ? Number.NaN : v;
}
export function bestLoss(r: RunRecord): number {
  const finite = r.trainLoss.filter(Number.isFinite);
  return finite.length ? Math.min(...finite) : Number.NaN;
}
/**
 * Model selection on the validation split: the first epoch with the highest dev accuracy, and
 * the test accuracy there (the number to report; choosing the epoch on test would flatter it).
 * null when the run has no dev column.
 */
export function devSelection(r: RunRecord): { epoch: number; devAcc: number; testAcc: number } | null {
  let best: { epoch: number; devAcc: number; testAcc: number } | null = null;
  r.devAcc.forEach((d, epoch) => {
    if (Number.isFinite(d) && (best === null || d > best.devAcc)) best = { epoch, devAcc: d, testAcc: r.testAcc[epoch] ?? Number.NaN };
  });
  return best;
}
export function status(r: RunRecord): string {
  if (r.unreadable) return 'unreadable';
  return r.summary?.status ?? 'unknown';
}
