import { basename, join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { makeFolder } from '../runs/folder.js';
import { evaluateClaims, type Claim } from './claims.js';
import { figure1Svg } from './figure.js';
import { loadRuns, type RunRecord } from './load.js';
import { reportHtml } from './html.js';
import { reportMarkdown } from './markdown.js';
import { groupStats, type GroupStats } from './stats.js';
import { curvesCsv, runsCsv } from './tables.js';

export interface Report {
  runs: RunRecord[];
  stats: GroupStats[];
  claims: Claim[];
  files: string[];
}

export const REPORT_FILES = ['runs.csv', 'curves.csv', 'figure1.svg', 'report.md', 'report.html'] as const;

/** Read every run folder under `root` and (re)write the report files into `outDir`. */
export async function writeReport(root: string, outDir: string = root): Promise<Report> {
  const runs = loadRuns(root).sort((a, b) => (a.config.run?.sweep?.index ?? 0) - (b.config.run?.sweep?.index ?? 0) || a.id.localeCompare(b.id));
  makeFolder(outDir, '--out');
  const stats = groupStats(runs.filter((r) => !r.unreadable));
  const claims = evaluateClaims(stats);
  const [runsFile, curvesFile, figFile, mdFile, htmlFile] = REPORT_FILES.map((f) => join(outDir, f)) as [string, string, string, string, string];
  const markdown = reportMarkdown(root, runs, stats, claims);
  writeFileAtomic(runsFile, runsCsv(runs, root));
  writeFileAtomic(curvesFile, curvesCsv(runs));
  writeFileAtomic(figFile, await figure1Svg(stats));
  writeFileAtomic(mdFile, markdown);
  writeFileAtomic(htmlFile, reportHtml(root, runs, markdown, basename(resolve(root))));
  return { runs, stats, claims, files: [runsFile, curvesFile, figFile, mdFile, htmlFile] };
}

export { loadRuns, evaluateClaims, groupStats };
