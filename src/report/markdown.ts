import type { Claim } from './claims.js';
import { formatLoss, residualVsHighway } from './claims.js';
import { devSelection, status, type RunRecord } from './load.js';
import { TOP_K, budget, type GroupStats } from './stats.js';
import { checkEarlyStopping, schedulerCheckMarkdown } from './scheduler-check.js';
import { markdownText } from '../util/escape.js';
import { BLOCK_ORDER, FAMILY_ORDER, kindFor, kindOf, type ModelKind } from '../model/kinds.js';

export function reportMarkdown(root: string, runs: RunRecord[], stats: GroupStats[], claims: Claim[]): string {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(status(r), (counts.get(status(r)) ?? 0) + 1);
  const depths = [...new Set(stats.map((s) => s.depth))].sort((a, b) => a - b);
  const cellFor = (type: string, d: number) => stats.find((s) => s.type === type && s.depth === d);
  const lines: string[] = [];
  // the folder's path, the run ids, statuses and reasons come from the runs: text, never markup
  lines.push(`# Depth study report: ${markdownText(root)}`, '');
  lines.push(
    `${runs.length} runs: ${[...counts.entries()].map(([k, v]) => `${v} ${markdownText(k)}`).join(', ')}. ` +
      `A best run and a top-${TOP_K} mean are taken over the finishers, the runs that reached their last epoch; diverged and stopped runs are counted, never ranked or averaged.`,
    '',
  );
  const unreadable = runs.filter((r) => r.unreadable);
  if (unreadable.length > 0)
    lines.push(`Unreadable (left out of every statistic): ${unreadable.map((r) => `${markdownText(r.id)} (${markdownText(r.unreadable!)})`).join('; ')}.`, '');
  const stoppedRuns = counts.get('stopped') ?? 0;
  if (stoppedRuns > 0) {
    const b = budget(runs);
    lines.push(
      `Early stopping: ${stoppedRuns} runs were stopped at a rung of the sweep's scheduler; they are counted, not ranked. ` +
        `Budget: ${b.trained.toLocaleString('en-US')} epochs trained of ${b.full.toLocaleString('en-US')} (every run to its last epoch), ${(100 * (b.trained / b.full)).toFixed(1)}% — a saving of ${(100 * (1 - b.trained / b.full)).toFixed(1)}%.`,
      '',
    );
  }
  // one table per family present (dense, conv, pooled, bilstm), a column group per block type present
  const familyOf = (type: string) => kindOf(type).family;
  const families = FAMILY_ORDER.filter((f) => stats.some((s) => familyOf(s.type) === f));
  for (const fam of families) {
    const kinds = BLOCK_ORDER.map((b) => kindFor(fam, b)).filter((k): k is ModelKind => k !== undefined && stats.some((s) => s.type === k.name));
    const names = kinds.map((k) => k.name);
    const famDepths = depths.filter((d) => names.some((t) => cellFor(t, d)));
    const label = (k: ModelKind) => (fam === 'dense' ? k.block : k.name);
    lines.push(`## Final training loss by depth${fam === 'dense' ? '' : ` (${names.join(' / ')})`}`, '');
    const famStats = famDepths.flatMap((d) => names.map((t) => cellFor(t, d))).filter((x): x is GroupStats => x !== undefined);
    const counted = famStats.some((x) => x.stopped > 0 || x.diverged > 0 || x.ranked.length < x.runs.length);
    const plain = kinds.find((k) => k.block === 'plain');
    const others = kinds.filter((k) => k.block !== 'plain');
    const head = [
      'depth',
      ...kinds.flatMap((k) => [`${label(k)} best`, `${label(k)} top-${TOP_K} mean (n)`]),
      ...(plain ? others.map((k) => `${label(plain)} / ${label(k)} (top-${TOP_K} mean)`) : []),
      ...(counted ? kinds.map((k) => `${label(k)} runs (finished, stopped, diverged)`) : []),
    ];
    lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`);
    const best = (s?: GroupStats) => (s?.best ? formatLoss(s.bestLoss) : '—');
    const mean = (s?: GroupStats) => (s?.best ? `${formatLoss(s.topKMean)} (${s.topK.length})` : '—');
    const n = (s?: GroupStats) => (s ? `${s.runs.length} (${s.ranked.length}, ${s.stopped}, ${s.diverged})` : '—');
    for (const d of famDepths) {
      const cells = kinds.map((k) => cellFor(k.name, d));
      const p = plain ? cellFor(plain.name, d) : undefined;
      const ratios = plain ? others.map((k) => cellFor(k.name, d)).map((o) => (p?.best && o?.best ? formatLoss(p.topKMean / o.topKMean) : '—')) : [];
      lines.push(`| ${[String(d), ...cells.flatMap((c) => [best(c), mean(c)]), ...ratios, ...(counted ? cells.map(n) : [])].join(' | ')} |`);
    }
    lines.push('');
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
      lines.push(`## Test accuracy by depth, at the best dev epoch${fam === 'dense' ? '' : ` (${names.join(' / ')})`}`, '');
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
  lines.push("## The paper's claims (Figure 1)", '');
  // the claims are about the fully connected plain / highway nets of the paper's Figure 1
  if (!families.includes('dense')) lines.push('Not tested: they concern the fully connected `plain` / `highway` nets, and this folder has none.', '');
  else {
    lines.push(
      `A claim is **not tested** when a cell it needs has fewer than ${TOP_K} finishers; its figures are then shown for information only.`,
      '',
      '| claim | verdict | best runs | top-10 means | rule |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const c of claims) {
      const verdict = c.missing ? `**${c.verdict}** (${c.missing})` : `**${c.verdict}**`;
      lines.push(`| ${c.n}. ${c.text} | ${verdict} | ${c.best} | ${c.mean} | ${c.rule} |`);
    }
  }
  const residual = residualVsHighway(stats);
  if (residual) lines.push('', residual);
  const check = schedulerCheckMarkdown(checkEarlyStopping(stats));
  if (check.length) lines.push('', ...check);
  lines.push('', '## Files', '');
  lines.push(
    '- `runs.csv`: one row per run: id, swept parameters (empty where one does not apply), status, final and best training loss, final test accuracy, (datasets with a dev split) best dev accuracy, its epoch and the test accuracy there, epochs, seconds.',
  );
  lines.push('- `curves.csv`: `epoch`, then one training-loss column per run (blank after a run stopped); plot with a log-scale y axis.');
  lines.push(`- \`figure1.svg\`: left, the best run per depth and type; right, the mean of the top ${TOP_K}; highway solid, plain dashed, residual dotted.`);
  lines.push('');
  return lines.join('\n');
}
