/**
 * report.md: what the report read, then per study (one, unless the folder holds several sweeps or
 * runs of differing settings) the tables, the paper's claims, our residual line and the check of
 * early stopping; then what each file holds.
 */
import { basename } from 'node:path';
import type { Cells } from './cells.js';
import type { Claim } from './claims.js';
import { residualVsHighway } from './claims.js';
import { familyTables } from './family-tables.js';
import { status, type RunRecord } from './load.js';
import { TOP_K, budget, type GroupStats } from './stats.js';
import { checkEarlyStopping, schedulerCheckMarkdown } from './scheduler-check.js';
import { markdownText } from '../util/escape.js';
import { kindOf } from '../base/kinds.js';
import { counted } from '../util/strings.js';

export function reportMarkdown(root: string, runs: RunRecord[], stats: GroupStats[], studies: Array<{ study: string; claims: Claim[] }>, cells: Cells): string {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(status(r), (counts.get(status(r)) ?? 0) + 1);
  const lines: string[] = [];
  // the folder's path, the run ids, statuses and reasons come from the runs: text, never markup
  lines.push(`# Depth study report: ${markdownText(root)}`, '');
  lines.push(
    `${counted(runs.length, 'run')}: ${[...counts.entries()].map(([k, v]) => `${v} ${markdownText(k)}`).join(', ')}. ` +
      `A best run and a top-${TOP_K} mean are taken over the finishers, the runs that reached their last epoch; diverged and stopped runs are counted, never ranked or averaged.`,
    '',
  );
  const unreadable = runs.filter((r) => r.unreadable);
  if (unreadable.length > 0)
    lines.push(
      `Unreadable (left out of every statistic): ${unreadable.map((r) => `${markdownText(r.key)}${r.id !== basename(r.key) ? ` (run ${markdownText(r.id)})` : ''} (${markdownText(r.unreadable!)})`).join('; ')}.`,
      '',
    );
  if (studies.length > 1) {
    lines.push(
      `**${studies.length} studies, kept apart** (cells split by ${cells.keys.map((k) => markdownText(k)).join(', ')}; \`highway report --group-by\` chooses the keys): ${studies.map((s) => markdownText(s.study)).join('; ')}.`,
      '',
    );
  }
  for (const w of cells.warnings) lines.push(`**Warning:** ${markdownText(w)}.`, '');
  const stoppedRuns = counts.get('stopped') ?? 0;
  if (stoppedRuns > 0) {
    const b = budget(runs.filter((r) => !r.unreadable));
    lines.push(
      `Early stopping: ${stoppedRuns} runs were stopped at a rung of the sweep's scheduler; they are counted, not ranked. ` +
        `Budget: ${b.trained.toLocaleString('en-US')} epochs trained of ${b.full.toLocaleString('en-US')} (every run to its last epoch), ${(100 * (b.trained / b.full)).toFixed(1)}% — a saving of ${(100 * (1 - b.trained / b.full)).toFixed(1)}%.`,
      '',
    );
  }
  const many = studies.length > 1;
  for (const { study, claims } of studies) {
    const own = stats.filter((s) => s.study === study);
    if (many) lines.push(`## ${markdownText(study)}`, '');
    const h = many ? '###' : '##';
    lines.push(...familyTables(own, h));
    lines.push(`${h} The paper's claims (Figure 1)`, '');
    // the claims are about the fully connected plain / highway nets of the paper's Figure 1
    if (!own.some((s) => kindOf(s.type).family === 'dense'))
      lines.push('Not tested: they concern the fully connected `plain` / `highway` nets, and this study has none.', '');
    else lines.push(...claimsTable(claims));
    const residual = residualVsHighway(own);
    if (residual) lines.push('', residual);
    const check = schedulerCheckMarkdown(checkEarlyStopping(own), h);
    if (check.length) lines.push('', ...check);
    lines.push('');
  }
  lines.push('## Files', '');
  lines.push(
    '- `runs.csv`: one row per run: id, sweep, swept parameters (empty where one does not apply), status, final and best training loss, final test accuracy, (datasets with a dev split) best dev accuracy, its epoch and the test accuracy there, epochs, parameters, seconds, folder (relative to the report: the key that is unique across sweeps).',
    '- `curves.csv`: `epoch`, then one training-loss column per run, named by its folder (blank after a run stopped); plot with a log-scale y axis.',
    '- `epochs.csv`: the long form for pandas or a spreadsheet: one row per run and epoch with every metric, the parameter count, the status and every config field.',
    `- \`figure1.svg\`: the best run per depth and type, the mean of the top ${TOP_K} (over fewer where fewer finished), and the best run's test accuracy; highway solid, plain dashed, residual dotted.`,
    '- `report.html`: the same, interactive and self-contained.',
    '',
  );
  return lines.join('\n');
}

function claimsTable(claims: Claim[]): string[] {
  return [
    `A claim is **not tested** when a cell it needs has fewer than ${TOP_K} finishers; its figures are then shown for information only.`,
    '',
    '| claim | verdict | best runs | top-10 means | rule |',
    '| --- | --- | --- | --- | --- |',
    ...claims.map((c) => `| ${c.n}. ${c.text} | ${c.missing ? `**${c.verdict}** (${c.missing})` : `**${c.verdict}**`} | ${c.best} | ${c.mean} | ${c.rule} |`),
  ];
}
