import type { Claim } from './claims.js';
import { formatLoss } from './claims.js';
import { devSelection, status, type RunRecord } from './load.js';
import { TOP_K, budget, type GroupStats } from './stats.js';

export function reportMarkdown(root: string, runs: RunRecord[], stats: GroupStats[], claims: Claim[]): string {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(status(r), (counts.get(status(r)) ?? 0) + 1);
  const depths = [...new Set(stats.map((s) => s.depth))].sort((a, b) => a - b);
  const cellFor = (type: string, d: number) => stats.find((s) => s.type === type && s.depth === d);
  const lines: string[] = [];
  lines.push(`# Depth study report: ${root}`, '');
  lines.push(`${runs.length} runs: ${[...counts.entries()].map(([k, v]) => `${v} ${k}`).join(', ')}. ` + `Statistics use finished runs (completed or diverged); a diverged run's final loss counts as +∞.`, '');
  const unreadable = runs.filter((r) => r.unreadable);
  if (unreadable.length > 0) lines.push(`Unreadable (left out of every statistic): ${unreadable.map((r) => `${r.id} (${r.unreadable})`).join('; ')}.`, '');
  const stoppedRuns = counts.get('stopped') ?? 0;
  if (stoppedRuns > 0) {
    const b = budget(runs);
    lines.push(
      `Early stopping: ${stoppedRuns} runs were stopped at a rung of the sweep's scheduler and are counted, not ranked: a best and a top-${TOP_K} mean are taken over the runs that reached the last epoch. ` +
        `Budget: ${b.trained.toLocaleString('en-US')} epochs trained of ${b.full.toLocaleString('en-US')} (every run to its last epoch), ${(100 * (b.trained / b.full)).toFixed(1)}% — a saving of ${(100 * (1 - b.trained / b.full)).toFixed(1)}%.`,
      '',
    );
  }
  // one table per family present: '' (dense), '-conv', '-pooled', '-bilstm'
  const families = [...new Set(stats.map((s) => s.type.replace(/^(plain|highway)/, '')))].sort();
  for (const fam of families) {
    const [pt, ht] = [`plain${fam}`, `highway${fam}`];
    const famDepths = depths.filter((d) => cellFor(pt, d) || cellFor(ht, d));
    lines.push(`## Final training loss by depth${fam ? ` (${pt} / ${ht})` : ''}`, '');
    const famStats = famDepths.flatMap((d) => [cellFor(pt, d), cellFor(ht, d)]).filter((x): x is GroupStats => x !== undefined);
    const anyStopped = famStats.some((x) => x.stopped > 0);
    const countsHead = anyStopped ? ' plain runs (stopped, diverged) | highway runs (stopped, diverged) |' : '';
    lines.push(`| depth | plain best | plain top-${TOP_K} mean (n) | highway best | highway top-${TOP_K} mean (n) | plain / highway (top-${TOP_K} mean) |${countsHead}`);
    lines.push(`| --- | --- | --- | --- | --- | --- |${anyStopped ? ' --- | --- |' : ''}`);
    for (const d of famDepths) {
      const p = cellFor(pt, d);
      const h = cellFor(ht, d);
      const best = (s?: GroupStats) => (s?.best ? formatLoss(s.bestLoss) : '—');
      const mean = (s?: GroupStats) => (s?.best ? `${formatLoss(s.topKMean)} (${s.topK.length})` : '—');
      const ratio = p?.best && h?.best ? formatLoss(p.topKMean / h.topKMean) : '—';
      const n = (s?: GroupStats) => (s ? `${s.runs.length} (${s.stopped}, ${s.diverged})` : '—');
      lines.push(`| ${d} | ${best(p)} | ${mean(p)} | ${best(h)} | ${mean(h)} | ${ratio} |${anyStopped ? ` ${n(p)} | ${n(h)} |` : ''}`);
    }
    lines.push('');
    const short = famStats.filter((x) => x.stopped > 0 && x.topK.length < TOP_K);
    if (short.length > 0) {
      lines.push(`Fewer than ${TOP_K} runs reached the last epoch in ${short.map((x) => `${x.type} d${x.depth} (${x.topK.length})`).join(', ')}: their top-${TOP_K} mean is over those runs only.`, '');
    }
    const devRuns = (s?: GroupStats) => (s?.runs ?? []).filter((r) => ['completed', 'diverged', 'interrupted'].includes(status(r))).flatMap((r) => devSelection(r) ?? []);
    if (famDepths.some((d) => devRuns(cellFor(pt, d)).length + devRuns(cellFor(ht, d)).length > 0)) {
      lines.push(`## Test accuracy by depth, at the best dev epoch${fam ? ` (${pt} / ${ht})` : ''}`, '');
      lines.push('Each run\'s epoch is chosen on the validation split (highest dev accuracy), never on test; the cells are means over runs (n), with the mean dev accuracy.', '');
      lines.push('| depth | plain test acc (n) | plain dev acc | highway test acc (n) | highway dev acc | highway − plain (test) |');
      lines.push('| --- | --- | --- | --- | --- | --- |');
      const avg = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      for (const d of famDepths) {
        const p = devRuns(cellFor(pt, d));
        const h = devRuns(cellFor(ht, d));
        const acc = (v: typeof p) => (v.length ? `${(100 * avg(v.map((s) => s.testAcc))).toFixed(1)}% (${v.length})` : '—');
        const dev = (v: typeof p) => (v.length ? `${(100 * avg(v.map((s) => s.devAcc))).toFixed(1)}%` : '—');
        const diff = p.length && h.length ? `${(100 * (avg(h.map((s) => s.testAcc)) - avg(p.map((s) => s.testAcc)))).toFixed(1)} points` : '—';
        lines.push(`| ${d} | ${acc(p)} | ${dev(p)} | ${acc(h)} | ${dev(h)} | ${diff} |`);
      }
      lines.push('');
    }
  }
  lines.push("## The paper's claims (Figure 1)", '');
  // the claims are about the fully connected plain / highway nets of the paper's Figure 1
  if (!families.includes('')) lines.push('Not tested: they concern the fully connected `plain` / `highway` nets, and this folder has none.', '');
  else for (const c of claims) {
    const mark = c.verdict === 'held' ? '✅ held' : c.verdict === 'not held' ? '❌ not held' : '⚪ not tested';
    lines.push(`${c.n}. **${mark}** — ${c.text}`, `   - measured: ${c.evidence}`, `   - rule: ${c.rule}`);
  }
  lines.push('', '## Files', '');
  lines.push('- `runs.csv`: one row per run: id, swept parameters (empty where one does not apply), status, final and best training loss, final test accuracy, (datasets with a dev split) best dev accuracy, its epoch and the test accuracy there, epochs, seconds.');
  lines.push('- `curves.csv`: `epoch`, then one training-loss column per run (blank after a run stopped); plot with a log-scale y axis.');
  lines.push(`- \`figure1.svg\`: left, the best run per depth and type; right, the mean of the top ${TOP_K}; highway solid, plain dashed.`);
  lines.push('');
  return lines.join('\n');
}
