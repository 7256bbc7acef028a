/**
 * The `sweep` section of a config file: a grid (every combination) and/or a random search
 * (`trials` samples from `space`), every path a config field. Checked completely before any
 * run starts: unknown path, empty list, inverted range, bad distribution, bad value.
 */
import { FIELDS, FIELD_PATHS, checkField } from '../config/index.js';
import { UserError } from '../errors.js';
import { didYouMean } from '../util/strings.js';
import { ASHA_METRICS, type AshaMetric, type AshaSpec } from './asha.js';

export type Distribution =
  | { uniform: [number, number] }
  | { logUniform: [number, number] }
  | { intUniform: [number, number] }
  | { choice: unknown[] };

export const DISTRIBUTIONS = ['uniform', 'logUniform', 'intUniform', 'choice'] as const;

export interface SweepSpec {
  grid: Array<[path: string, values: unknown[]]>;
  random: { trials: number; seed: number; space: Array<[path: string, dist: Distribution]> } | null;
  /** Early stopping: runs compete within their grid point. */
  scheduler: { asha: AshaSpec } | null;
  /**
   * Settings that depend on a swept value: `when[path][value]` = more path → value settings for
   * the runs where `path` has `value` (e.g. a learning rate for the plain nets only).
   */
  when: Array<[path: string, cases: Array<[value: unknown, settings: Array<[string, unknown]>]>]>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkPath(where: string, path: string): void {
  if (!FIELDS[path]) throw new UserError(`${where}: unknown config path "${path}"${didYouMean(path, FIELD_PATHS)}`);
}

function checkDistribution(where: string, path: string, raw: unknown): Distribution {
  if (!isObject(raw) || Object.keys(raw).length !== 1) {
    throw new UserError(`${where}: expected one of {"uniform": [lo, hi]}, {"logUniform": [lo, hi]}, {"intUniform": [lo, hi]}, {"choice": [...]}`);
  }
  const [kind, arg] = Object.entries(raw)[0]!;
  if (kind === 'choice') {
    if (!Array.isArray(arg) || arg.length === 0) throw new UserError(`${where}.choice: expected a non-empty list`);
    arg.forEach((v) => checkValue(`${where}.choice`, path, v));
    return { choice: arg };
  }
  if (!(DISTRIBUTIONS as readonly string[]).includes(kind)) {
    throw new UserError(`${where}: unknown distribution "${kind}"; expected ${DISTRIBUTIONS.join(', ')}${didYouMean(kind, DISTRIBUTIONS)}`);
  }
  if (!Array.isArray(arg) || arg.length !== 2 || !arg.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new UserError(`${where}.${kind}: expected [lo, hi], two finite numbers`);
  }
  const [lo, hi] = arg as [number, number];
  if (lo > hi) throw new UserError(`${where}.${kind}: inverted range [${lo}, ${hi}] (lo must be <= hi)`);
  if (kind === 'logUniform' && lo <= 0) throw new UserError(`${where}.logUniform: range must be positive, got [${lo}, ${hi}]`);
  if (kind === 'intUniform' && !(Number.isInteger(lo) && Number.isInteger(hi))) {
    throw new UserError(`${where}.intUniform: bounds must be integers, got [${lo}, ${hi}]`);
  }
  // both ends must be legal values of the field
  checkValue(`${where}.${kind}`, path, lo);
  checkValue(`${where}.${kind}`, path, hi);
  const spec = FIELDS[path]!;
  if (spec.kind === 'int' && kind !== 'intUniform') throw new UserError(`${where}: ${path} is an integer; use intUniform or choice`);
  if (spec.kind !== 'int' && spec.kind !== 'number') throw new UserError(`${where}: ${path} is not numeric; use choice`);
  return { [kind]: [lo, hi] } as Distribution;
}

function checkValue(where: string, path: string, v: unknown): void {
  try {
    checkField(path, v);
  } catch (e) {
    throw new UserError(`${where}: ${(e as Error).message}`);
  }
}

export function parseSweepSpec(raw: unknown, file: string): SweepSpec {
  const at = `${file}: sweep`;
  if (!isObject(raw)) throw new UserError(`${at}: expected an object with "grid" and/or "random"`);
  for (const k of Object.keys(raw)) {
    if (!SWEEP_KEYS.includes(k)) throw new UserError(`${at}: unknown key "${k}"${didYouMean(k, SWEEP_KEYS)}; expected "grid" and/or "random", and optionally "scheduler"`);
  }
  const grid: SweepSpec['grid'] = [];
  if (raw.grid !== undefined) {
    if (!isObject(raw.grid)) throw new UserError(`${at}.grid: expected an object of path → list of values`);
    for (const [path, values] of Object.entries(raw.grid)) {
      const where = `${at}.grid["${path}"]`;
      checkPath(where, path);
      if (!Array.isArray(values) || values.length === 0) throw new UserError(`${where}: expected a non-empty list of values`);
      values.forEach((v) => checkValue(where, path, v));
      grid.push([path, values]);
    }
  }
  let random: SweepSpec['random'] = null;
  if (raw.random !== undefined) {
    const r = raw.random;
    if (!isObject(r)) throw new UserError(`${at}.random: expected {"trials": n, "seed": n, "space": {...}}`);
    for (const k of Object.keys(r)) {
      if (!['trials', 'seed', 'space'].includes(k)) throw new UserError(`${at}.random: unknown key "${k}"${didYouMean(k, ['trials', 'seed', 'space'])}`);
    }
    const trials = r.trials;
    if (typeof trials !== 'number' || !Number.isInteger(trials) || trials < 1 || trials > 100_000) {
      throw new UserError(`${at}.random.trials: expected an integer from 1 to 100000, got ${JSON.stringify(trials)}`);
    }
    const seed = r.seed ?? 0;
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0) throw new UserError(`${at}.random.seed: expected a non-negative integer, got ${JSON.stringify(seed)}`);
    if (!isObject(r.space) || Object.keys(r.space).length === 0) throw new UserError(`${at}.random.space: expected a non-empty object of path → distribution`);
    const space: Array<[string, Distribution]> = [];
    for (const [path, dist] of Object.entries(r.space)) {
      const where = `${at}.random.space["${path}"]`;
      checkPath(where, path);
      if (grid.some(([p]) => p === path)) throw new UserError(`${where}: ${path} is also in the grid; put it in one of the two`);
      space.push([path, checkDistribution(where, path, dist)]);
    }
    random = { trials, seed, space };
  }
  if (grid.length === 0 && random === null) throw new UserError(`${at}: needs a non-empty "grid" or a "random" section`);
  const swept = [...grid.map(([p]) => p), ...(random?.space.map(([p]) => p) ?? [])];
  return {
    grid,
    random,
    scheduler: raw.scheduler === undefined ? null : parseScheduler(raw.scheduler, `${at}.scheduler`),
    when: raw.when === undefined ? [] : parseWhen(raw.when, `${at}.when`, swept),
  };
}

const SWEEP_KEYS = ['grid', 'random', 'scheduler', 'when'];

/** `"when": { "model.type": { "plain": { "train.lr": 0.05 } } }`: per-value settings of a swept path. */
function parseWhen(raw: unknown, at: string, swept: string[]): SweepSpec['when'] {
  if (!isObject(raw)) throw new UserError(`${at}: expected {"<swept path>": {"<value>": {"<path>": value, …}}}`);
  return Object.entries(raw).map(([path, cases]) => {
    const where = `${at}["${path}"]`;
    checkPath(where, path);
    if (!swept.includes(path)) throw new UserError(`${where}: ${path} is not swept (not in the grid or the random space), so it has one value and needs no "when"`);
    if (!isObject(cases) || Object.keys(cases).length === 0) throw new UserError(`${where}: expected {"<value>": {"<path>": value, …}, …}`);
    return [
      path,
      Object.entries(cases).map(([text, settings]) => {
        const w = `${where}["${text}"]`;
        // keys are JSON object keys, so strings: read numbers and booleans back for numeric paths
        const value = (['int', 'number', 'nullableNumber', 'bool'] as string[]).includes(FIELDS[path]!.kind) ? JSON.parse(text) : text;
        checkValue(w, path, value);
        if (!isObject(settings) || Object.keys(settings).length === 0) throw new UserError(`${w}: expected a non-empty object of path → value`);
        return [
          value,
          Object.entries(settings).map(([p, v]) => {
            checkPath(`${w}["${p}"]`, p);
            if (swept.includes(p)) throw new UserError(`${w}["${p}"]: ${p} is swept; a "when" setting cannot also set it`);
            checkValue(`${w}["${p}"]`, p, v);
            return [p, v] as [string, unknown];
          }),
        ] as [unknown, Array<[string, unknown]>];
      }),
    ] as [string, Array<[unknown, Array<[string, unknown]>]>];
  });
}
const ASHA_KEYS = ['metric', 'minEpochs', 'reduction'];

/** `"scheduler": { "asha": { "metric": "train_loss", "minEpochs": 5, "reduction": 3 } }` */
function parseScheduler(raw: unknown, at: string): { asha: AshaSpec } {
  if (!isObject(raw) || Object.keys(raw).length !== 1 || !('asha' in raw)) {
    const k = isObject(raw) ? Object.keys(raw).find((x) => x !== 'asha') : undefined;
    throw new UserError(`${at}: expected {"asha": {"metric": …, "minEpochs": …, "reduction": …}}${k ? `; unknown scheduler "${k}"${didYouMean(k, ['asha'])}` : ''}`);
  }
  const a = raw.asha;
  const where = `${at}.asha`;
  if (!isObject(a)) throw new UserError(`${where}: expected {"metric": "train_loss", "minEpochs": 5, "reduction": 3}`);
  for (const k of Object.keys(a)) if (!ASHA_KEYS.includes(k)) throw new UserError(`${where}: unknown key "${k}"${didYouMean(k, ASHA_KEYS)}`);
  const metric = a.metric ?? 'train_loss';
  if (typeof metric !== 'string' || !(ASHA_METRICS as readonly string[]).includes(metric)) {
    throw new UserError(`${where}.metric: expected one of ${ASHA_METRICS.join(', ')}, got ${JSON.stringify(metric)}${typeof metric === 'string' ? didYouMean(metric, ASHA_METRICS) : ''}`);
  }
  const int = (k: string, v: unknown, min: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 1_000_000) throw new UserError(`${where}.${k}: expected an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return v;
  };
  if (a.minEpochs === undefined || a.reduction === undefined) throw new UserError(`${where}: needs "minEpochs" (the first rung's epoch) and "reduction" (η, e.g. 3)`);
  return { asha: { metric: metric as AshaMetric, minEpochs: int('minEpochs', a.minEpochs, 1), reduction: int('reduction', a.reduction, 2) } };
}
