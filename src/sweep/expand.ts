/**
 * Expand a sweep into runs, deterministically: grid points in nested order (first path
 * outermost), trials innermost. Trial t draws its values from its own seeded stream, so trial
 * t has the same sampled values at every grid point (paired comparisons across depths and
 * types) and expanding twice gives identical runs.
 */
import { resolveConfig, type ResolvedConfig } from '../config/index.js';
import { KIND_FIELDS, usesField, type KindField } from '../model/kinds.js';
import { Rng, deriveSeed } from '../util/random.js';
import { safeName } from '../util/names.js';
import type { Distribution, SweepSpec } from './spec.js';

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

export function expandSweep(spec: SweepSpec, base: Map<string, unknown>): PlannedRun[] {
  // a random search varies the initialisation and the shuffling too, as the paper's did: trial t
  // trains with seed train.seed + t (the same at every grid point), unless the sweep sets the seed
  const seedSwept = [...spec.grid.map(([p]) => p), ...(spec.random?.space.map(([p]) => p) ?? [])].includes('train.seed');
  const baseSeed = resolveConfig(base).train.seed;
  const trials = spec.random
    ? Array.from({ length: spec.random.trials }, (_, t) => {
        const rng = new Rng(deriveSeed(spec.random!.seed, 'trial', t));
        const draws = spec.random!.space.map(([path, d]) => [path, sample(rng, d)] as [string, unknown]);
        return seedSwept ? draws : [...draws, ['train.seed', (baseSeed + t) % 2 ** 31] as [string, unknown]];
      })
    : [null];
  const width = spec.random ? Math.max(3, String(spec.random.trials - 1).length) : 0;
  const runs: PlannedRun[] = [];
  const seen = new Map<string, number>();
  for (const point of gridPoints(spec.grid)) {
    trials.forEach((draws, t) => {
      const swept = [...point, ...(draws ?? [])];
      // settings that follow a swept value ("when"), recorded with the run's parameters
      const all = [...swept, ...spec.when.flatMap(([path, cases]) => cases.find(([v]) => swept.some(([p, x]) => p === path && x === v))?.[1] ?? [])];
      // first resolve with everything, to learn which values apply (e.g. gateBias needs highway)
      const probe = resolveConfig(base, new Map(all));
      const used = all.filter(([path]) => applies(path, probe));
      const config = resolveConfig(base, new Map(used));
      const params = Object.fromEntries(all.map(([path, v]) => [path, applies(path, probe) ? v : null]));
      const parts = point.map(([p, v]) => label(p, v));
      const group = parts.join('-') || 'all';
      if (draws) parts.push(`t${String(t).padStart(width, '0')}`);
      let id = parts.join('-') || 'run';
      const n = seen.get(id) ?? 0;
      seen.set(id, n + 1);
      if (n > 0) id = `${id}-${n}`;
      runs.push({ index: runs.length, id, group, trial: draws ? t : null, params, config });
    });
  }
  return runs;
}
