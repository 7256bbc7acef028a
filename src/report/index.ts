import { basename, join, resolve } from 'node:path';
import { isUserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { makeFolder } from '../runs/folder.js';
import { evaluateClaims, type Claim } from './claims.js';
import { groupCells, type Cells } from './cells.js';
import { figure1Svg } from './figure.js';
import { loadRuns, type RunRecord } from './load.js';
import { reportHtml } from './html.js';
import { reportMarkdown } from './markdown.js';
import { groupStats, type GroupStats } from './stats.js';
import { curvesCsv, epochsCsv, runsCsv } from './tables.js';
import { REPORT_FILE_NAMES } from './files.js';

export interface StudyClaims {
  /** "" when the report holds one study; else what sets it apart (its sweep, or settings). */
  study: string;
  claims: Claim[];
}

export interface Report {
  runs: RunRecord[];
  stats: GroupStats[];
  cells: Cells;
  /** The claims of each study. */
  studies: StudyClaims[];
  /** The first study's claims (the only study's, usually). */
  claims: Claim[];
  files: string[];
}

export { REPORT_FILES, REPORT_FILE_NAMES } from './files.js';

export interface ReportOptions {
  /** Keys that split cells beyond type and depth (`sweep`, config paths); default: cells.ts decides. */
  groupBy?: string[];
}

/** Read every run folder under `root` and (re)write the report files into `outDir`. */
export async function writeReport(root: string, outDir: string = root, opts: ReportOptions = {}): Promise<Report> {
  const runs = loadRuns(root).sort(
    (a, b) => a.sweep.localeCompare(b.sweep) || (a.config.run?.sweep?.index ?? 0) - (b.config.run?.sweep?.index ?? 0) || a.key.localeCompare(b.key),
  );
  makeFolder(outDir, '--out');
  const readable = runs.filter((r) => !r.unreadable);
  const cells = groupCells(readable, opts.groupBy);
  const stats = groupStats(readable, cells.studyOf);
  const studies = (cells.studies.length ? cells.studies : ['']).map((study) => ({ study, claims: evaluateClaims(stats.filter((s) => s.study === study)) }));
  const [runsFile, curvesFile, epochsFile, figFile, mdFile, htmlFile] = REPORT_FILE_NAMES.map((f) => join(outDir, f)) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const markdown = reportMarkdown(root, runs, stats, studies, cells);
  writeFileAtomic(runsFile, runsCsv(runs, cells));
  writeFileAtomic(curvesFile, curvesCsv(runs));
  writeFileAtomic(epochsFile, epochsCsv(runs));
  writeFileAtomic(figFile, await figure1Svg(stats));
  writeFileAtomic(mdFile, markdown);
  writeFileAtomic(htmlFile, reportHtml(root, runs, markdown, basename(resolve(root))));
  return { runs, stats, cells, studies, claims: studies[0]!.claims, files: [runsFile, curvesFile, epochsFile, figFile, mdFile, htmlFile] };
}

export { loadRuns, evaluateClaims, groupStats };

/** The report files written, or why they were not (a sweep's outcome stands whatever its report finds). */
export async function writeReportOrSay(dir: string): Promise<string> {
  try {
    return (await writeReport(dir)).files.join(', ');
  } catch (e) {
    if (isUserError(e)) return `not written (${e.message})`;
    throw e;
  }
}
