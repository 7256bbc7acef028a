import type { Claim } from './claims.js';
import { formatLoss } from './claims.js';
import { status, type RunRecord } from './load.js';
import { TOP_K, type GroupStats } from './stats.js';

export function reportMarkdown(root: string, runs: RunRecord[], stats: GroupStats[], claims: Claim[]): string {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(status(r), (counts.get(status(r)) ?? 0) + 1);
  const depths = [...new Set(stats.map((s) => s.depth))].sort((a, b) => a - b);
  const cellFor = (type: string, d: number) => stats.find((s) => s.type === type && s.depth === d);
  const lines: string[] = [];
  lines.push(`# Depth study report: ${root}`, '');
  lines.push(`${runs.length} runs: ${[...counts.entries()].map(([k, v]) => `${v} ${k}`).join(', ')}. ` + `Statistics use finished runs (completed or diverged); a diverged run's final loss counts as +∞.`, '');
  lines.push('## Final training loss by depth', '');
  lines.push(`| depth | plain best | plain top-${TOP_K} mean (n) | highway best | highway top-${TOP_K} mean (n) | plain / highway (top-${TOP_K} mean) |`);
  lines.push('| --- | --- | --- | --- | --- | --- |');
  for (const d of depths) {
    const p = cellFor('plain', d);
    const h = cellFor('highway', d);
    const best = (s?: GroupStats) => (s?.best ? formatLoss(s.bestLoss) : '—');
    const mean = (s?: GroupStats) => (s?.best ? `${formatLoss(s.topKMean)} (${s.topK.length})` : '—');
    const ratio = p?.best && h?.best ? formatLoss(p.topKMean / h.topKMean) : '—';
    lines.push(`| ${d} | ${best(p)} | ${mean(p)} | ${best(h)} | ${mean(h)} | ${ratio} |`);
  }
  lines.push('', "## The paper's claims (Figure 1)", '');
  for (const c of claims) {
    const mark = c.verdict === 'held' ? '✅ held' : c.verdict === 'not held' ? '❌ not held' : '⚪ not tested';
    lines.push(`${c.n}. **${mark}** — ${c.text}`, `   - measured: ${c.evidence}`, `   - rule: ${c.rule}`);
  }
  lines.push('', '## Files', '');
  lines.push('- `runs.csv`: one row per run: id, swept parameters (empty where one does not apply), status, final and best training loss, final test accuracy, epochs, seconds.');
  lines.push('- `curves.csv`: `epoch`, then one training-loss column per run (blank after a run stopped); plot with a log-scale y axis.');
  lines.push(`- \`figure1.svg\`: left, the best run per depth and type; right, the mean of the top ${TOP_K}; highway solid, plain dashed.`);
  lines.push('');
  return lines.join('\n');
}
