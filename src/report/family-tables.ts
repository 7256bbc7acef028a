/**
 * report.md's tables for one study: per family present (dense, conv, pooled, bilstm), the final
 * training loss by depth (best, top-10 mean, ratios against plain, parameters per hidden layer,
 * how many runs finished), and for datasets with a validation split the test accuracy at the best
 * dev epoch. `h` is the heading level (a report of several studies nests them one deeper).
 */
import { formatLoss } from './claims.js';
import { devSelection, status } from './load.js';
import { TOP_K, type GroupStats } from './stats.js';
import { BLOCK_ORDER, FAMILY_ORDER, kindFor, kindOf, type ModelKind } from '../base/kinds.js';
import { hiddenLayerParams } from '../model/plan.js';

/** Parameters per hidden layer of a cell (its first run's config; the runs of a cell share it). */
export const cellLayerParams = (s: GroupStats): number | null => {
  const m = s.runs[0]?.config.model;
  if (!m || !Number.isInteger(m.width)) return null; // a hand-made folder may leave the width out
  const n = hiddenLayerParams(m);
  return Number.isFinite(n) ? n : null;
};

/** The paper pairs nets by parameters per hidden layer; a comparison off by more than this is flagged. */
export const PARAMS_TOLERANCE = 0.05;

export function familyTables(stats: GroupStats[], h: string): string[] {
  const lines: string[] = [];
  const depths = [...new Set(stats.map((s) => s.depth))].sort((a, b) => a - b);
  const cellFor = (type: string, d: number) => stats.find((s) => s.type === type && s.depth === d);
  const familyOf = (type: string) => kindOf(type).family;
  const families = FAMILY_ORDER.filter((f) => stats.some((s) => familyOf(s.type) === f));
  for (const fam of families) {
    const kinds = BLOCK_ORDER.map((b) => kindFor(fam, b)).filter((k): k is ModelKind => k !== undefined && stats.some((s) => s.type === k.name));
    const names = kinds.map((k) => k.name);
    const famDepths = depths.filter((d) => names.some((t) => cellFor(t, d)));
    const label = (k: ModelKind) => (fam === 'dense' ? k.block : k.name);
    lines.push(`${h} Final training loss by depth${fam === 'dense' ? '' : ` (${names.join(' / ')})`}`, '');
    const famStats = famDepths.flatMap((d) => names.map((t) => cellFor(t, d))).filter((x): x is GroupStats => x !== undefined);
    const counted = famStats.some((x) => x.stopped > 0 || x.diverged > 0 || x.ranked.length < x.runs.length);
    const plain = kinds.find((k) => k.block === 'plain');
    const others = kinds.filter((k) => k.block !== 'plain');
    const head = [
      'depth',
      ...kinds.flatMap((k) => [`${label(k)} best`, `${label(k)} top-${TOP_K} mean (n)`]),
      ...(plain ? others.map((k) => `${label(plain)} / ${label(k)} (top-${TOP_K} mean)`) : []),
      ...(counted ? kinds.map((k) => `${label(k)} runs (finished, stopped, diverged)`) : []),
      ...kinds.map((k) => `${label(k)} params/layer`),
    ];
    lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`);
    const best = (s?: GroupStats) => (s?.best ? formatLoss(s.bestLoss) : '—');
    const mean = (s?: GroupStats) => (s?.best ? `${formatLoss(s.topKMean)} (${s.topK.length})` : '—');
    const n = (s?: GroupStats) => (s ? `${s.runs.length} (${s.ranked.length}, ${s.stopped}, ${s.diverged})` : '—');
    for (const d of famDepths) {
      const cells = kinds.map((k) => cellFor(k.name, d));
      const p = plain ? cellFor(plain.name, d) : undefined;
      const ratios = plain ? others.map((k) => cellFor(k.name, d)).map((o) => (p?.best && o?.best ? formatLoss(p.topKMean / o.topKMean) : '—')) : [];
      const perLayer = cells.map((c) => (c ? (cellLayerParams(c)?.toLocaleString('en-US') ?? '—') : '—'));
      lines.push(`| ${[String(d), ...cells.flatMap((c) => [best(c), mean(c)]), ...ratios, ...(counted ? cells.map(n) : []), ...perLayer].join(' | ')} |`);
    }
    lines.push('');
    const unequal = famDepths.flatMap((d) => {
      const p = plain ? cellFor(plain.name, d) : undefined;
      const pp = p ? cellLayerParams(p) : null;
      return pp === null
        ? []
        : others.flatMap((k) => {
            const o = cellFor(k.name, d);
            const op = o ? cellLayerParams(o) : null;
            return op !== null && Math.abs(pp - op) / Math.min(pp, op) > PARAMS_TOLERANCE
              ? [`d${d} ${label(plain!)} ${pp.toLocaleString('en-US')} vs ${label(k)} ${op.toLocaleString('en-US')}`]
              : [];
          });
    });
    if (unequal.length > 0) {
      lines.push(
        `**Warning: the cells compared differ in parameters per hidden layer by more than ${100 * PARAMS_TOLERANCE}%** (${unequal.join('; ')}): the paper pairs them (71 plain units against 50 highway blocks); \`model.equalParameters: true\` keeps that pairing when a width is set.`,
        '',
      );
    }
    const short = famStats.filter((x) => !x.topKComplete);
    if (short.length > 0) {
      lines.push(
        `Fewer than ${TOP_K} runs reached the last epoch in ${short.map((x) => `${x.type} d${x.depth} (${x.ranked.length})`).join(', ')}: the top-${TOP_K} mean shown is over those runs only, for information, and a claim that needs it is not tested.`,
        '',
      );
    }
    const devRuns = (s?: GroupStats) =>
      (s?.runs ?? []).filter((r) => ['completed', 'diverged', 'interrupted'].includes(status(r))).flatMap((r) => devSelection(r) ?? []);
    if (famDepths.some((d) => names.some((t) => devRuns(cellFor(t, d)).length > 0))) {
      lines.push(`${h} Test accuracy by depth, at the best dev epoch${fam === 'dense' ? '' : ` (${names.join(' / ')})`}`, '');
      lines.push(
        "Each run's epoch is chosen on the validation split (highest dev accuracy), never on test; the cells are means over runs (n), with the mean dev accuracy.",
        '',
      );
      const dHead = [
        'depth',
        ...kinds.flatMap((k) => [`${label(k)} test acc (n)`, `${label(k)} dev acc`]),
        ...(plain ? others.map((k) => `${label(k)} − ${label(plain)} (test)`) : []),
      ];
      lines.push(`| ${dHead.join(' | ')} |`, `|${dHead.map(() => ' --- ').join('|')}|`);
      const avg = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      for (const d of famDepths) {
        const sel = kinds.map((k) => devRuns(cellFor(k.name, d)));
        const acc = (v: Array<{ testAcc: number }>) => (v.length ? `${(100 * avg(v.map((x) => x.testAcc))).toFixed(1)}% (${v.length})` : '—');
        const dev = (v: Array<{ devAcc: number }>) => (v.length ? `${(100 * avg(v.map((x) => x.devAcc))).toFixed(1)}%` : '—');
        const p = plain ? devRuns(cellFor(plain.name, d)) : [];
        const diffs = plain
          ? others
              .map((k) => devRuns(cellFor(k.name, d)))
              .map((o) => (p.length && o.length ? `${(100 * (avg(o.map((x) => x.testAcc)) - avg(p.map((x) => x.testAcc)))).toFixed(1)} points` : '—'))
          : [];
        lines.push(`| ${[String(d), ...sel.flatMap((v) => [acc(v), dev(v)]), ...diffs].join(' | ')} |`);
      }
      lines.push('');
    }
  }
  return lines;
}
