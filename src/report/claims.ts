/**
 * The paper's five Figure 1 claims (../shared/guide/PAPER.md), each decided from the measured
 * numbers by a stated rule: `held`, `not held`, or `not tested` when a cell it needs has fewer
 * than 10 finishers (runs that reached their last epoch) — a top-10 statistic over fewer runs is
 * not the paper's, so it never decides. Claims 1–4 show the best-run and the top-10 figures;
 * claim 5 compares the epochs each type needs to reach common loss levels.
 */
import { meanCurve, TOP_K, epochsToReach, type GroupStats } from './stats.js';
import { kindFor } from '../base/kinds.js';
import { counted } from '../util/strings.js';

/** The paper's Figure 1 nets: the dense kinds of plain and highway blocks (and ours, residual), from the registry. */
const PLAIN = kindFor('dense', 'plain')!.name;
const HIGHWAY = kindFor('dense', 'highway')!.name;
const RESIDUAL = kindFor('dense', 'residual')!.name;

export type Verdict = 'held' | 'not held' | 'not tested';

export interface Claim {
  n: number;
  text: string;
  rule: string;
  verdict: Verdict;
  /** The figures from the best runs. */
  best: string;
  /** The figures from the top-10 means (claim 5: from the mean curves of the top 10). */
  mean: string;
  /** Why a claim is not tested (what is missing); empty otherwise. */
  missing: string;
}

/** Claim 5: highway needs at most 1/RATIO of plain's epochs to reach each common level. */
export const FASTER_RATIO = 1.5;

// ∞ only for a ratio whose denominator is 0 (never for a mean: diverged runs never enter one)
const fmt = (v: number) =>
  Number.isNaN(v) ? 'NaN' : !Number.isFinite(v) ? (v > 0 ? '∞' : '−∞') : v === 0 ? '0' : v < 1e-3 || v >= 1e4 ? v.toExponential(2) : v.toPrecision(3);

const cellName = (s: GroupStats) => `${s.type} d${s.depth}`;

/** The cells a claim needs, and why it cannot be tested if one is missing or has too few finishers. */
function need(stats: GroupStats[], wanted: Array<[type: string, depth: number]>, anyOf = false): { cells: GroupStats[]; missing: string } {
  const found = wanted.map(([t, d]) => stats.find((s) => s.type === t && s.depth === d));
  const present = found.filter((s): s is GroupStats => s !== undefined);
  const absent = wanted.filter((_, i) => !found[i]).map(([t, d]) => `${t} d${d}`);
  const short = present.filter((s) => !s.topKComplete).map((s) => `${cellName(s)} has ${counted(s.ranked.length, 'finisher')}`);
  const missingAll = anyOf ? (present.length === 0 ? [`no ${wanted.map(([t, d]) => `${t} d${d}`).join(' / ')} runs`] : []) : absent.map((c) => `no ${c} runs`);
  const reasons = [...missingAll, ...short];
  return { cells: present, missing: reasons.length ? `${reasons.join('; ')} (${TOP_K} needed)` : '' };
}

// a cell with no finisher, or no cell at all, reads "—" (not "NaN", not an empty list)
const list = (ss: GroupStats[], f: (s: GroupStats) => number) => ss.map((s) => `d${s.depth} ${Number.isNaN(f(s)) ? '—' : fmt(f(s))}`).join(', ') || '—';
const means = (ss: GroupStats[]) => ss.map((s) => `d${s.depth} ${s.ranked.length ? fmt(s.topKMean) : '—'} (n=${s.topK.length})`).join(', ') || '—';

export function evaluateClaims(stats: GroupStats[]): Claim[] {
  const claims: Claim[] = [];
  const decide = (missing: string, holds: () => boolean): Verdict => (missing ? 'not tested' : holds() ? 'held' : 'not held');

  {
    const { cells, missing } = need(stats, [
      [PLAIN, 10],
      [PLAIN, 20],
    ]);
    claims.push({
      n: 1,
      text: 'Plain nets of depth 10 and 20 reach very low training loss (mean loss < 1e-4).',
      rule: `top-${TOP_K} mean final training loss of plain d10 and d20 both < 1e-4`,
      verdict: decide(missing, () => cells.every((s) => s.topKMean < 1e-4)),
      best: list(cells, (s) => s.bestLoss),
      mean: means(cells),
      missing,
    });
  }
  // claims 2 and 3: the deep (50, 100) cells against the worse shallow (10, 20) one
  const shallowVsDeep = (n: number, type: string, text: string, rule: string, holds: (deep: number, worstShallow: number) => boolean): Claim => {
    const shallow = need(
      stats,
      [
        [type, 10],
        [type, 20],
      ],
      true,
    );
    const deep = need(
      stats,
      [
        [type, 50],
        [type, 100],
      ],
      true,
    );
    const missing = [shallow.missing, deep.missing].filter(Boolean).join('; ');
    const judge = (f: (s: GroupStats) => number) => {
      const worst = Math.max(...shallow.cells.map(f));
      return deep.cells.every((s) => holds(f(s), worst));
    };
    return {
      n,
      text,
      rule,
      verdict: decide(missing, () => judge((s) => s.topKMean)),
      best: `shallow ${list(shallow.cells, (s) => s.bestLoss)}; deep ${list(deep.cells, (s) => s.bestLoss)}${shallow.cells.length && deep.cells.length ? ` (by this rule on the best runs: ${judge((s) => s.bestLoss) ? 'held' : 'not held'})` : ''}`,
      mean: `shallow ${means(shallow.cells)}; deep ${means(deep.cells)}`,
      missing,
    };
  };
  claims.push(
    shallowVsDeep(
      2,
      PLAIN,
      'Plain nets degrade sharply as depth grows (50, 100).',
      `every deep (50, 100) plain top-${TOP_K} mean ≥ 10 × the worst shallow (10, 20) plain top-${TOP_K} mean`,
      (deep, worst) => deep >= 10 * worst,
    ),
    shallowVsDeep(
      3,
      HIGHWAY,
      'Highway nets of depth 50 and 100 perform about as well as depth 10 and 20.',
      `every deep (50, 100) highway top-${TOP_K} mean ≤ 10 × the worst shallow (10, 20) highway top-${TOP_K} mean`,
      (deep, worst) => deep <= 10 * worst,
    ),
  );
  {
    const { cells, missing } = need(stats, [
      [PLAIN, 100],
      [HIGHWAY, 100],
    ]);
    const [p, h] = [cells.find((s) => s.type === PLAIN), cells.find((s) => s.type === HIGHWAY)];
    claims.push({
      n: 4,
      text: 'The 100-layer highway net is more than 2 orders of magnitude better than the 100-layer plain net.',
      rule: 'best plain d100 final loss ≥ 100 × best highway d100 final loss',
      verdict: decide(missing, () => p!.bestLoss / h!.bestLoss >= 100),
      best: p?.best && h?.best ? `plain ${fmt(p.bestLoss)}, highway ${fmt(h.bestLoss)}, ratio ${fmt(p.bestLoss / h.bestLoss)}` : '—',
      mean:
        p?.best && h?.best
          ? `plain ${fmt(p.topKMean)} (n=${p.topK.length}), highway ${fmt(h.topKMean)} (n=${h.topK.length}), ratio ${fmt(p.topKMean / h.topKMean)}`
          : '—',
      missing,
    });
  }
  claims.push(convergence(stats));
  return claims;
}

/**
 * Claim 5 at common loss levels: 0.1, 0.01, and the level the slower type's curve reaches halfway
 * through training (so no level is reached at the last epoch by construction). At every depth
 * with both types, on the best curves and on the mean curves of the top 10, the highway net must
 * reach every level either reaches in at most 1/FASTER_RATIO of the plain net's epochs (a level
 * plain never reaches counts as infinitely slower).
 */
function convergence(stats: GroupStats[]): Claim {
  const text = 'Highway nets converge significantly faster.';
  const rule = `at every depth with both types, on the best curves and on the top-${TOP_K} mean curves: for the levels 0.1, 0.01 and the loss the slower type reaches halfway through training (those below 0.9 × the initial loss), plain needs ≥ ${FASTER_RATIO}× the epochs highway needs (never reaching it counts as more)`;
  const depths = [...new Set(stats.filter((s) => s.type === PLAIN || s.type === HIGHWAY).map((s) => s.depth))].sort((a, b) => a - b);
  const both = depths.filter((d) => stats.some((s) => s.type === PLAIN && s.depth === d) && stats.some((s) => s.type === HIGHWAY && s.depth === d));
  const needs = both.map((d) =>
    need(stats, [
      [PLAIN, d],
      [HIGHWAY, d],
    ]),
  );
  const missing =
    both.length === 0
      ? `no depth with both plain and highway runs (${TOP_K} finishers each needed)`
      : needs
          .map((x) => x.missing)
          .filter(Boolean)
          .join('; ');
  const compare = (curveOf: (s: GroupStats) => number[]) => {
    const parts: string[] = [];
    let faster = true;
    for (const [i, d] of both.entries()) {
      const [p, h] = [needs[i]!.cells.find((s) => s.type === PLAIN), needs[i]!.cells.find((s) => s.type === HIGHWAY)];
      if (!p?.best || !h?.best) continue;
      const pc = curveOf(p);
      const hc = curveOf(h);
      const half = Math.floor((Math.min(pc.length, hc.length) - 1) / 2);
      const slower = Math.max(pc[half] ?? Number.NaN, hc[half] ?? Number.NaN);
      // a level at or near the untrained loss is reached at once by both: it tells nothing
      const ceiling = 0.9 * Math.min(pc[0] ?? Number.NaN, hc[0] ?? Number.NaN);
      const levels = [...new Set([0.1, 0.01, slower])].filter((l) => Number.isFinite(l) && l < ceiling);
      const cells = levels.flatMap((level) => {
        const ep = epochsToReach(pc, level);
        const eh = epochsToReach(hc, level);
        if (ep === null && eh === null) return [];
        const ratio = eh === null ? 0 : ep === null ? Number.POSITIVE_INFINITY : ep / Math.max(eh, 1);
        if (ratio < FASTER_RATIO) faster = false;
        return [`${fmt(level)}: plain ${ep ?? 'never'} / highway ${eh ?? 'never'} (${fmt(ratio)}×)`];
      });
      if (cells.length === 0) faster = false;
      parts.push(`d${d} ${cells.length ? cells.join(', ') : 'no level below 0.9 × the initial loss that either reaches'}`);
    }
    return { text: parts.join('; ') || '—', faster: faster && parts.length > 0 };
  };
  const best = compare((s) => s.best!.trainLoss);
  const mean = compare((s) => meanCurve(s.topK));
  return { n: 5, text, rule, verdict: missing ? 'not tested' : best.faster && mean.faster ? 'held' : 'not held', best: best.text, mean: mean.text, missing };
}

/**
 * Our own line beside the paper's claims: the residual nets (the paper's successor) against the
 * highway nets at depths 50 and 100, best and top-10 mean, and who is ahead. null without both.
 */
export function residualVsHighway(stats: GroupStats[]): string | null {
  const get = (type: string, depth: number) => stats.find((s) => s.type === type && s.depth === depth && s.best);
  const parts = [50, 100].flatMap((d) => {
    const r = get(RESIDUAL, d);
    const h = get(HIGHWAY, d);
    if (!r || !h) return [];
    const ahead = (a: number, b: number) => (a < b ? 'residual' : a > b ? 'highway' : 'neither');
    return [
      {
        d,
        text: `d${d}: best residual ${fmt(r.bestLoss)} vs highway ${fmt(h.bestLoss)} (ratio ${fmt(r.bestLoss / h.bestLoss)}), top-10 mean ${fmt(r.topKMean)} (n=${r.topK.length}) vs ${fmt(h.topKMean)} (n=${h.topK.length}) (ratio ${fmt(r.topKMean / h.topKMean)})`,
        best: ahead(r.bestLoss, h.bestLoss),
        mean: ahead(r.topKMean, h.topKMean),
      },
    ];
  });
  if (parts.length === 0) return null;
  const leaders = new Set(parts.flatMap((p) => [p.best, p.mean]));
  const verdict =
    leaders.size === 1
      ? `${[...leaders][0]} nets have the lower training loss at ${parts.map((p) => `depth ${p.d}`).join(' and ')}, best and top-10 mean alike`
      : 'neither type is ahead on every measure';
  return `Residual vs highway (ours, not the paper's; final training loss, lower is better): ${verdict}. ${parts.map((p) => p.text).join('; ')}.`;
}

export { fmt as formatLoss };
