/**
 * Expand a sweep into runs, deterministically: grid points in nested order (first path
 * outermost), trials innermost. Trial t of a grid point draws its values from its own seeded
 * stream, keyed by the point: every cell is an independent random sample of the space (a
 * report may treat cells as independent), and expanding twice gives identical runs.
 */
import { resolveConfig, type ResolvedConfig } from '../config/index.js';
import { KIND_FIELDS, usesField, type KindField } from '../base/kinds.js';
import { Rng, deriveSeed } from '../util/random.js';
import { safeName } from '../util/names.js';
import { UserError } from '../errors.js';
import type { Distribution, SweepSpec } from './spec.js';

/** Plans above this many runs are refused unless the user raises the limit (`--max-runs`): a typo'd grid must not eat the memory. */
export const DEFAULT_MAX_RUNS = 100_000;

export interface PlannedRun {
  /** Position in the deterministic expansion (0-based). */
  index: number;
  /** Stable, readable: highway-d50-t017. */
  id: string;
  /** The grid point (highway-d50; "all" without a grid): what an early-stopping scheduler ranks within. */
  group: string;
  trial: number | null;
  /** Every swept path → the value this run uses, or null where it does not apply. */
  params: Record<string, unknown>;
  config: ResolvedConfig;
}

function sample(rng: Rng, d: Distribution): unknown {
  if ('choice' in d) return d.choice[rng.int(d.choice.length)];
  if ('uniform' in d) return d.uniform[0] + rng.next() * (d.uniform[1] - d.uniform[0]);
  if ('logUniform' in d) {
    const [lo, hi] = d.logUniform;
    return Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo)));
  }
  const [lo, hi] = d.intUniform;
  return lo + rng.int(hi - lo + 1);
}

/** Does this field change the run at all? The kind says which fields it reads (gate fields mean nothing to a plain net). */
export function applies(path: string, cfg: ResolvedConfig): boolean {
  const field = path.startsWith('model.') ? path.slice('model.'.length) : '';
  if (!(KIND_FIELDS as readonly string[]).includes(field)) return true;
  if (!usesField(cfg.model.type, field as KindField)) return false;
  return field !== 'carryBias' || cfg.model.carry === 'independent';
}

function label(path: string, v: unknown): string {
  const s = safeName(String(v));
  if (path === 'model.type' || path === 'dataset.name') return s;
  if (path === 'model.depth') return `d${s}`;
  if (path === 'model.width') return `w${s}`;
  return `${path.split('.').pop()}${s}`;
}

function gridPoints(grid: SweepSpec['grid']): Array<Array<[string, unknown]>> {
  let points: Array<Array<[string, unknown]>> = [[]];
  for (const [path, values] of grid) points = points.flatMap((p) => values.map((v) => [...p, [path, v] as [string, unknown]]));
  return points;
}

/** How many runs a sweep plans, counted before anything is expanded. */
export function plannedRunCount(spec: SweepSpec): number {
  return spec.grid.reduce((n, [, values]) => n * values.length, 1) * (spec.random?.trials ?? 1);
}

/** A stable 6-hex-digit digest of a text, to tell apart names that would otherwise collide. */
function digest(text: string): string {
  return deriveSeed(0, text).toString(16).padStart(8, '0').slice(-6);
}

/**
 * Readable names that stay distinct: `labels[i]` names the thing whose identity is `keys[i]`.
 * Where different keys would share a label (grid values "a/b" and "a_b" both read "a_b"), each of
 * them gets its key's digest appended, and so on until every name is distinct — checked against
 * all names, not only earlier ones. A label too long for a folder name is cut and given its digest.
 * Names are compared as a case-insensitive filesystem (macOS, Windows) would: "A" and "a" are one
 * folder there.
 */
export function distinctNames(labels: string[], keys: string[]): string[] {
  let names = labels.map((l, i) => (l.length > 120 ? `${l.slice(0, 100)}-${digest(keys[i]!)}` : l));
  for (let round = 0; round < 5; round++) {
    const owners = new Map<string, Set<string>>();
    const folded = names.map((n) => n.toLowerCase());
    folded.forEach((n, i) => {
      owners.set(n, (owners.get(n) ?? new Set()).add(keys[i]!));
    });
    const clash = folded.map((n) => owners.get(n)!.size > 1);
    if (!clash.some(Boolean)) return names;
    names = names.map((n, i) => (clash[i] ? `${n}-${digest(`${round}|${keys[i]}`)}` : n));
  }
  throw new Error(`could not make distinct names for ${labels.length} labels`); // five rounds of 24-bit digests do not all collide
}

export function expandSweep(spec: SweepSpec, base: Map<string, unknown>, maxRuns = DEFAULT_MAX_RUNS): PlannedRun[] {
  const count = plannedRunCount(spec);
  if (count > maxRuns) {
    throw new UserError(
      `sweep: the grid and trials make ${count.toLocaleString('en-US')} runs, more than the limit of ${maxRuns.toLocaleString('en-US')}; shrink the grid, or raise the limit with --max-runs`,
    );
  }
  // a random search varies the initialisation and the shuffling too, as the paper's did: trial t
  // trains with seed train.seed + t, unless the sweep sets the seed
  const seedSwept = [...spec.grid.map(([p]) => p), ...(spec.random?.space.map(([p]) => p) ?? [])].includes('train.seed');
  const baseSeed = resolveConfig(base).train.seed;
  const drawsAt = (pointKey: string) =>
    spec.random
      ? Array.from({ length: spec.random.trials }, (_, t) => {
          const rng = new Rng(deriveSeed(spec.random!.seed, 'trial', pointKey, t));
          const draws = spec.random!.space.map(([path, d]) => [path, sample(rng, d)] as [string, unknown]);
          return seedSwept ? draws : [...draws, ['train.seed', (baseSeed + t) % 2 ** 31] as [string, unknown]];
        })
      : [null];
  const width = spec.random ? Math.max(3, String(spec.random.trials - 1).length) : 0;
  const points = gridPoints(spec.grid);
  const pointKeys = points.map((p) => JSON.stringify(p));
  const groups = distinctNames(
    points.map((p) => p.map(([path, v]) => label(path, v)).join('-') || 'all'),
    pointKeys,
  );
  const runs: PlannedRun[] = [];
  for (const [pi, point] of points.entries()) {
    drawsAt(pointKeys[pi]!).forEach((draws, t) => {
      const swept = [...point, ...(draws ?? [])];
      // settings that follow a swept value ("when"), recorded with the run's parameters
      const all = [...swept, ...spec.when.flatMap(([path, cases]) => cases.find(([v]) => swept.some(([p, x]) => p === path && x === v))?.[1] ?? [])];
      // first resolve with everything, to learn which values apply (e.g. gateBias needs highway)
      const probe = resolveConfig(base, new Map(all));
      const used = all.filter(([path]) => applies(path, probe));
      const config = resolveConfig(base, new Map(used));
      const params = Object.fromEntries(all.map(([path, v]) => [path, applies(path, probe) ? v : null]));
      const group = groups[pi]!;
      // distinct groups and a fixed-width trial suffix make distinct run ids
      const id = draws ? `${group === 'all' && point.length === 0 ? '' : `${group}-`}t${String(t).padStart(width, '0')}` : point.length ? group : 'run';
      runs.push({ index: runs.length, id, group, trial: draws ? t : null, params, config });
    });
  }
  // one folder per run: a repeated id would let one run overwrite another (spec.ts refuses repeated grid values)
  const ids = new Set(runs.map((r) => r.id.toLowerCase()));
  if (ids.size !== runs.length) throw new Error('sweep expansion made two runs with one id');
  return runs;
}
