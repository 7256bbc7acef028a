/**
 * The paper's five Figure 1 claims (../shared/guide/PAPER.md), each decided from the measured
 * numbers with a stated rule, or "not tested" when the results lack the depths it needs.
 */
import { epochsToReach, type GroupStats } from './stats.js';

export type Verdict = 'held' | 'not held' | 'not tested';

export interface Claim {
  n: number;
  text: string;
  rule: string;
  verdict: Verdict;
  evidence: string;
}

// ∞ is a mean or ratio that includes a diverged run (its loss counts as +∞)
const fmt = (v: number) =>
  Number.isNaN(v) ? 'NaN' : !Number.isFinite(v) ? (v > 0 ? '∞' : '−∞') : v === 0 ? '0' : v < 1e-3 || v >= 1e4 ? v.toExponential(2) : v.toPrecision(3);

export function evaluateClaims(stats: GroupStats[]): Claim[] {
  const get = (type: string, depth: number) => stats.find((s) => s.type === type && s.depth === depth && s.best);
  const have = (type: string, depths: number[]) => depths.map((d) => get(type, d)).filter((s): s is GroupStats => s !== undefined);
  const list = (ss: GroupStats[], f: (s: GroupStats) => number) => ss.map((s) => `d${s.depth} ${fmt(f(s))}`).join(', ');
  const claims: Claim[] = [];

  {
    const ss = have('plain', [10, 20]);
    const text = 'Plain nets of depth 10 and 20 reach very low training loss (mean loss < 1e-4).';
    const rule = 'top-10 mean final training loss of plain d10 and d20 both < 1e-4';
    claims.push(
      ss.length < 2
        ? { n: 1, text, rule, verdict: 'not tested', evidence: 'needs finished plain runs at depths 10 and 20' }
        : { n: 1, text, rule, verdict: ss.every((s) => s.topKMean < 1e-4) ? 'held' : 'not held', evidence: `top-10 mean: ${list(ss, (s) => s.topKMean)}` },
    );
  }
  // claims 2 and 3: compare the deep (50, 100) top-10 means with the worse shallow (10, 20) one
  const shallowVsDeep = (n: number, type: string, text: string, rule: string, holds: (deep: number, worstShallow: number) => boolean): Claim => {
    const shallow = have(type, [10, 20]);
    const deep = have(type, [50, 100]);
    if (shallow.length === 0 || deep.length === 0)
      return { n, text, rule, verdict: 'not tested', evidence: `needs ${type} runs at depth 10 or 20 and at 50 or 100` };
    const worstShallow = Math.max(...shallow.map((s) => s.topKMean));
    const held = deep.every((s) => holds(s.topKMean, worstShallow));
    return {
      n,
      text,
      rule,
      verdict: held ? 'held' : 'not held',
      evidence: `shallow: ${list(shallow, (s) => s.topKMean)}; deep: ${list(deep, (s) => s.topKMean)}`,
    };
  };
  claims.push(
    shallowVsDeep(
      2,
      'plain',
      'Plain nets degrade sharply as depth grows (50, 100).',
      'every deep (50, 100) plain top-10 mean ≥ 10 × the worst shallow (10, 20) plain top-10 mean',
      (deep, worst) => deep >= 10 * worst,
    ),
    shallowVsDeep(
      3,
      'highway',
      'Highway nets of depth 50 and 100 perform about as well as depth 10 and 20.',
      'every deep (50, 100) highway top-10 mean ≤ 10 × the worst shallow (10, 20) highway top-10 mean',
      (deep, worst) => deep <= 10 * worst,
    ),
  );
  {
    const p = get('plain', 100);
    const h = get('highway', 100);
    const text = 'The 100-layer highway net is more than 2 orders of magnitude better than the 100-layer plain net.';
    const rule = 'best plain d100 final loss ≥ 100 × best highway d100 final loss';
    if (!p || !h) claims.push({ n: 4, text, rule, verdict: 'not tested', evidence: 'needs finished plain and highway runs at depth 100' });
    else {
      const ratio = p.bestLoss / h.bestLoss;
      claims.push({
        n: 4,
        text,
        rule,
        verdict: ratio >= 100 ? 'held' : 'not held',
        evidence: `best plain ${fmt(p.bestLoss)}, best highway ${fmt(h.bestLoss)}, ratio ${fmt(ratio)}`,
      });
    }
  }
  {
    const depths = [...new Set(stats.map((s) => s.depth))].filter((d) => get('plain', d) && get('highway', d));
    const text = 'Highway nets converge significantly faster.';
    const rule =
      'at every depth with both types, the best highway run reaches L in fewer epochs than the best plain run; L = the worse of the two best final losses, capped at 0.9 × the initial loss (so a net that never trained has not "reached" it)';
    if (depths.length === 0) claims.push({ n: 5, text, rule, verdict: 'not tested', evidence: 'needs plain and highway runs at a common depth' });
    else {
      const parts = depths.map((d) => {
        const p = get('plain', d)!;
        const h = get('highway', d)!;
        const finite = [p.bestLoss, h.bestLoss].filter(Number.isFinite);
        const initial = Math.min(p.best!.trainLoss[0] ?? Number.NaN, h.best!.trainLoss[0] ?? Number.NaN);
        const level = Math.min(finite.length ? Math.max(...finite) : Number.NaN, 0.9 * initial);
        const ep = epochsToReach(p.best!.trainLoss, level);
        const eh = epochsToReach(h.best!.trainLoss, level);
        return { d, ep, eh, faster: eh !== null && (ep === null || eh < ep) };
      });
      claims.push({
        n: 5,
        text,
        rule,
        verdict: parts.every((x) => x.faster) ? 'held' : 'not held',
        evidence: parts.map((x) => `d${x.d}: highway ${x.eh ?? 'never'} vs plain ${x.ep ?? 'never'} epochs`).join('; '),
      });
    }
  }
  return claims;
}

/**
 * Our own line beside the paper's claims: the residual nets (the paper's successor) against the
 * highway nets at depths 50 and 100, best and top-10 mean, and who is ahead. null without both.
 */
export function residualVsHighway(stats: GroupStats[]): string | null {
  const get = (type: string, depth: number) => stats.find((s) => s.type === type && s.depth === depth && s.best);
  const parts = [50, 100].flatMap((d) => {
    const r = get('residual', d);
    const h = get('highway', d);
    if (!r || !h) return [];
    const ahead = (a: number, b: number) => (a < b ? 'residual' : a > b ? 'highway' : 'neither');
    return [
      {
        d,
        text: `d${d}: best residual ${fmt(r.bestLoss)} vs highway ${fmt(h.bestLoss)} (ratio ${fmt(r.bestLoss / h.bestLoss)}), top-10 mean ${fmt(r.topKMean)} vs ${fmt(h.topKMean)} (ratio ${fmt(r.topKMean / h.topKMean)})`,
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
