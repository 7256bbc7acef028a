import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { makeFolder } from '../runs/folder.js';
import { evaluateClaims, type Claim } from './claims.js';
import { figure1Svg } from './figure.js';
import { loadRuns, type RunRecord } from './load.js';
import { reportMarkdown } from './markdown.js';
import { groupStats, type GroupStats } from './stats.js';
import { curvesCsv, runsCsv } from './tables.js';

export interface Report {
  runs: RunRecord[];
  stats: GroupStats[];
  claims: Claim[];
  files: string[];
}

export const REPORT_FILES = ['runs.csv', 'curves.csv', 'figure1.svg', 'report.md'] as const;

/** Read every run folder under `root` and (re)write the four report files into `outDir`. */
export async function writeReport(root: string, outDir: string = root): Promise<Report> {
  const runs = loadRuns(root).sort((a, b) => (a.config.run?.sweep?.index ?? 0) - (b.config.run?.sweep?.index ?? 0) || a.id.localeCompare(b.id));
  makeFolder(outDir, '--out');
  const stats = groupStats(runs.filter((r) => !r.unreadable));
  const claims = evaluateClaims(stats);
  const [runsFile, curvesFile, figFile, mdFile] = REPORT_FILES.map((f) => join(outDir, f)) as [string, string, string, string];
  writeFileAtomic(runsFile, runsCsv(runs, root));
  writeFileAtomic(curvesFile, curvesCsv(runs));
  writeFileAtomic(figFile, await figure1Svg(stats));
  writeFileAtomic(mdFile, reportMarkdown(root, runs, stats, claims));
  return { runs, stats, claims, files: [runsFile, curvesFile, figFile, mdFile] };
}

export { loadRuns, evaluateClaims, groupStats };
