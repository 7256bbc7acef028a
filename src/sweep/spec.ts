/**
 * The `sweep` section of a config file: a grid (every combination) and/or a random search
 * (`trials` samples from `space`), every path a config field. Checked completely before any
 * run starts: unknown path, empty list, inverted range, bad distribution, bad value.
 */
import { FIELDS, checkField, formatIssue, keyCatalog } from '../config/index.js';
import { UserError } from '../errors.js';
import { clip, didYouMean } from '../util/strings.js';
import type { AshaSpec } from './asha.js';
import type { ShaSpec } from './sha.js';
import { DISTRIBUTIONS, schedulerOf, sweepSchema } from './schema.js';

export type Distribution = { uniform: [number, number] } | { logUniform: [number, number] } | { intUniform: [number, number] } | { choice: unknown[] };

export { DISTRIBUTIONS };

export interface SweepSpec {
  grid: Array<[path: string, values: unknown[]]>;
  random: { trials: number; seed: number; space: Array<[path: string, dist: Distribution]> } | null;
  /** Early stopping: runs compete within their grid point (sha: synchronous; asha: asynchronous). */
  scheduler: { sha: ShaSpec } | { asha: AshaSpec } | null;
  /**
   * Settings that depend on a swept value: `when[path][value]` = more path → value settings for
   * the runs where `path` has `value` (e.g. a learning rate for the plain nets only).
   */
  when: Array<[path: string, cases: Array<[value: unknown, settings: Array<[string, unknown]>]>]>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the schema cannot say about a distribution: legal, ordered bounds of the right kind. */
function checkDistribution(where: string, path: string, dist: Distribution): Distribution {
  const [kind, arg] = Object.entries(dist)[0] as [string, unknown[]];
  if (kind === 'choice') {
    arg.forEach((v) => {
      checkValue(`${where}.choice`, path, v);
    });
    return dist;
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
  return dist;
}

function checkValue(where: string, path: string, v: unknown): void {
  try {
    checkField(path, v);
  } catch (e) {
    throw new UserError(`${where}: ${(e as Error).message}`);
  }
}

const catalog = keyCatalog(sweepSchema);

/** The schema's first complaint as one line; a distribution that matches no form says which forms there are. */
function schemaError(raw: unknown, at: string): UserError | null {
  const result = sweepSchema.safeParse(raw, { reportInput: true });
  if (result.success) return null;
  const issue = result.error.issues[0]!;
  if (issue.code === 'invalid_union' && issue.path[0] === 'random' && issue.path.length === 3) {
    const where = `${at}.random.space["${String(issue.path[2])}"]`;
    const kind = isObject(issue.input) && Object.keys(issue.input).length === 1 ? Object.keys(issue.input)[0]! : null;
    if (kind !== null && !(DISTRIBUTIONS as readonly string[]).includes(kind)) {
      return new UserError(`${where}: unknown distribution "${kind}"; expected ${DISTRIBUTIONS.join(', ')}${didYouMean(kind, DISTRIBUTIONS)}`);
    }
    return new UserError(
      `${where}: expected one of {"uniform": [lo, hi]}, {"logUniform": [lo, hi]}, {"intUniform": [lo, hi]}, {"choice": [...]}${kind ? ` (${kind}: [lo, hi] with two finite numbers, or a non-empty choice list)` : ''}`,
    );
  }
  return new UserError(formatIssue(result.error.issues, at.replace(/: sweep$/, ''), catalog, ['sweep']));
}

/**
 * A "__proto__" key would be dropped without a word by the object the schema builds (a "when"
 * case for a run named "__proto__" silently lost its settings): refused, wherever it is.
 */
function refuseProtoKeys(v: unknown, where: string): void {
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) refuseProtoKeys(x, `${where}[${i}]`);
  } else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === '__proto__')
        throw new UserError(`${where}: "__proto__" cannot be a key here (it is not a config path, and as a value it cannot be given settings)`);
      refuseProtoKeys(x, /^[A-Za-z_]\w*$/.test(k) ? `${where}.${k}` : `${where}["${clip(k)}"]`);
    }
  }
}

export function parseSweepSpec(raw: unknown, file: string): SweepSpec {
  const at = `${file}: sweep`;
  if (!isObject(raw)) throw new UserError(`${at}: expected an object with "grid" and/or "random"`);
  refuseProtoKeys(raw, at);
  const error = schemaError(raw, at);
  if (error) throw error;
  const parsed = sweepSchema.parse(raw);
  const grid: SweepSpec['grid'] = [];
  for (const [path, values] of Object.entries(parsed.grid ?? {})) {
    const where = `${at}.grid["${path}"]`;
    values!.forEach((v) => {
      checkValue(where, path, v);
    });
    // a value listed twice would plan two runs with one id, one folder
    const seen = new Set<string>();
    for (const v of values!) {
      const key = JSON.stringify(v);
      if (seen.has(key)) throw new UserError(`${where}: ${key} is listed twice; each grid value makes its own runs`);
      seen.add(key);
    }
    grid.push([path, values!]);
  }
  let random: SweepSpec['random'] = null;
  if (parsed.random) {
    const space: Array<[string, Distribution]> = [];
    for (const [path, dist] of Object.entries(parsed.random.space)) {
      const where = `${at}.random.space["${path}"]`;
      if (grid.some(([p]) => p === path)) throw new UserError(`${where}: ${path} is also in the grid; put it in one of the two`);
      space.push([path, checkDistribution(where, path, dist as Distribution)]);
    }
    if (space.length === 0) throw new UserError(`${at}.random.space: expected a non-empty object of path → distribution`);
    random = { trials: parsed.random.trials, seed: parsed.random.seed, space };
  }
  if (grid.length === 0 && random === null) throw new UserError(`${at}: needs a non-empty "grid" or a "random" section`);
  const swept = [...grid.map(([p]) => p), ...(random?.space.map(([p]) => p) ?? [])];
  return {
    grid,
    random,
    scheduler: schedulerOf(parsed.scheduler),
    when: parsed.when === undefined ? [] : parseWhen(parsed.when, `${at}.when`, swept),
  };
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `"when": { "model.type": { "plain": { "train.lr": 0.05 } } }`: per-value settings of a swept path. */
function parseWhen(raw: Record<string, unknown>, at: string, swept: string[]): SweepSpec['when'] {
  // the schema has checked the shape and the paths
  return Object.entries(raw).map(([path, cases]) => {
    const where = `${at}["${path}"]`;
    if (!swept.includes(path))
      throw new UserError(`${where}: ${path} is not swept (not in the grid or the random space), so it has one value and needs no "when"`);
    if (!isObject(cases) || Object.keys(cases).length === 0) throw new UserError(`${where}: expected {"<value>": {"<path>": value, …}, …}`);
    return [
      path,
      Object.entries(cases).map(([text, settings]) => {
        const w = `${where}["${text}"]`;
        // keys are JSON object keys, so strings: read numbers and booleans back for numeric paths
        // (a key that is no JSON value stays text, and the field's check names it)
        const value = (['int', 'number', 'nullableNumber', 'bool'] as string[]).includes(FIELDS[path]!.kind) ? jsonOrText(text) : text;
        checkValue(w, path, value);
        if (!isObject(settings) || Object.keys(settings).length === 0) throw new UserError(`${w}: expected a non-empty object of path → value`);
        return [
          value,
          Object.entries(settings).map(([p, v]) => {
            if (swept.includes(p)) throw new UserError(`${w}["${p}"]: ${p} is swept; a "when" setting cannot also set it`);
            checkValue(`${w}["${p}"]`, p, v);
            return [p, v] as [string, unknown];
          }),
        ] as [unknown, Array<[string, unknown]>];
      }),
    ] as [string, Array<[unknown, Array<[string, unknown]>]>];
  });
}
