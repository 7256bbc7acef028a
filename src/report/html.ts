/**
 * report.html: one self-contained page for a study — interactive learning curves, the searched
 * hyperparameters against final loss, the tables and claims of report.md, and the gate-analysis
 * figures of runs that have them. Vega, Vega-Lite and vega-embed are inlined from node_modules
 * and every figure is embedded, so the page works offline, from a file or a USB stick, and
 * makes no network request.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { escapeHtml, scriptJson } from '../util/escape.js';
import { contentSecurityPolicy, markdownToHtml } from './page-safety.js';
import { ANALYSIS_FILES } from '../analyze/write.js';
import { finalLoss, type RunRecord, status } from './load.js';
import { configValue, paramColumns } from './tables.js';
import { RUN_FILES } from '../base/run-files.js';

const require = createRequire(import.meta.url);
/** The browser bundles, by package and file in the package (their "exports" do not list them). */
const LIBRARIES: Array<[string, string]> = [
  ['vega', 'build/vega.min.js'],
  ['vega-lite', 'build/vega-lite.min.js'],
  ['vega-embed', 'build/vega-embed.min.js'],
];

/** The folder of an installed package: up from its entry point to the package.json that names it. */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of package ${name}`);
    dir = up;
  }
  return dir;
}

/** `</script>` inside inlined code would end the element early. */
const scriptSafe = (text: string) => text.replace(/<\/(script)/gi, '<\\/$1');

/** The metrics the curves can show, by the label of the selector: metrics.csv's column, and whether a log axis suits it. */
const CURVE_METRICS: Array<{ label: string; column: string; log: boolean }> = [
  { label: 'training loss', column: 'train_loss', log: true },
  { label: 'test loss', column: 'test_loss', log: true },
  { label: 'test accuracy', column: 'test_acc', log: false },
];

/**
 * One row per run, epoch and metric, with the run's key (its folder: unique across sweeps), sweep,
 * type, depth and swept parameters (what the tooltip shows). `y` is what is drawn: log10 of a
 * loss, an accuracy as it is, so one chart can switch between them.
 */
function curveRows(runs: RunRecord[], params: string[]): Array<Record<string, unknown>> {
  return runs.flatMap((r) => {
    // what runs.csv shows: the value the run used, swept or not; "—" where it does not apply
    const swept = Object.fromEntries(tooltipParams(params).map((p) => [p, configValue(r, p) ?? '—']));
    const base = { run: r.key, id: r.id, sweep: r.sweep, type: r.config.model.type, depth: r.config.model.depth, status: status(r), ...swept };
    return CURVE_METRICS.flatMap(({ label, column, log }) =>
      (r.metrics[column] ?? []).flatMap((value, epoch) =>
        Number.isFinite(value) && (!log || value > 0) ? [{ ...base, metric: label, epoch, value, y: log ? Math.log10(value) : value }] : [],
      ),
    );
  });
}

/** The swept parameters a curve's tooltip lists (type and depth have their own rows). */
const tooltipParams = (params: string[]) => params.filter((p) => p !== 'model.type' && p !== 'model.depth');

function paramValues(r: RunRecord, params: string[]): Record<string, unknown> {
  return Object.fromEntries(params.filter((p) => p in r.params).map((p) => [p, r.params[p]]));
}

/**
 * Vega-Lite: one line per run, with a point per epoch (no smoothing: the points are what was
 * measured); a selector for the metric (losses on a log axis, accuracy on a linear one); legends
 * for depth and type select.
 */
function curvesSpec(rows: Array<Record<string, unknown>>, params: string[]): object {
  const tooltip = [
    { field: 'run', type: 'nominal', title: 'run (folder)' },
    { field: 'sweep', type: 'nominal' },
    { field: 'type', type: 'nominal' },
    { field: 'depth', type: 'ordinal' },
    { field: 'epoch', type: 'quantitative' },
    { field: 'value', type: 'quantitative', format: '.4~g', title: 'value' },
    ...tooltipParams(params).map((p) => ({ field: p.replace(/\./g, '\\.'), title: p })),
  ];
  const logs = CURVE_METRICS.filter((m) => m.log).map((m) => JSON.stringify(m.label));
  const isLog = `indexof([${logs.join(', ')}], metric) >= 0`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 720,
    height: 380,
    data: { values: rows },
    params: [
      { name: 'metric', value: CURVE_METRICS[0]!.label, bind: { input: 'select', options: CURVE_METRICS.map((m) => m.label), name: 'metric: ' } },
      { name: 'pickDepth', select: { type: 'point', fields: ['depth'] }, bind: 'legend' },
      { name: 'pickType', select: { type: 'point', fields: ['type'] }, bind: 'legend' },
    ],
    transform: [{ filter: 'datum.metric === metric' }],
    mark: { type: 'line', strokeWidth: 1.5, point: { size: 18, filled: true } },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
      y: {
        field: 'y',
        type: 'quantitative',
        scale: { zero: false },
        title: 'the metric (losses on a log scale)',
        axis: { labelExpr: `${isLog} ? format(pow(10, datum.value), '.3~g') : format(datum.value, '.3~f')` },
      },
      color: { field: 'depth', type: 'ordinal', scale: { scheme: 'category10' }, title: 'depth' },
      strokeDash: { field: 'type', type: 'nominal', title: 'type' },
      detail: { field: 'run', type: 'nominal' },
      opacity: { condition: { test: { and: [{ param: 'pickDepth' }, { param: 'pickType' }] }, value: 0.85 }, value: 0.06 },
      tooltip,
    },
  };
}

/** Vega-Lite: each searched hyperparameter against the run's final loss, coloured by depth, shaped by type. */
function searchSpec(runs: RunRecord[], params: string[]): object | null {
  // a trial's seed is searched too, but it is no hyperparameter: no panel for it
  const searched = params.filter((p) => p !== 'model.type' && p !== 'model.depth' && p !== 'train.seed');
  if (searched.length === 0) return null;
  const rows = runs
    .filter((r) => Number.isFinite(finalLoss(r)) && finalLoss(r) > 0)
    .map((r) => ({ run: r.key, type: r.config.model.type, depth: r.config.model.depth, status: status(r), loss: finalLoss(r), ...paramValues(r, searched) }));
  const panel = (p: string) => {
    const values = rows.map((r) => (r as Record<string, unknown>)[p]).filter((v) => v !== undefined && v !== null);
    const numeric = values.length > 0 && values.every((v) => typeof v === 'number');
    const positive = numeric && values.every((v) => (v as number) > 0);
    const span = positive ? Math.max(...(values as number[])) / Math.min(...(values as number[])) : 0;
    const field = p.replace(/\./g, '\\.');
    return {
      width: 220,
      height: 180,
      mark: { type: 'point', filled: true, size: 30 },
      encoding: {
        x: numeric
          ? { field, type: 'quantitative', title: p, scale: { type: span > 50 ? 'log' : 'linear', zero: false } }
          : { field, type: 'nominal', title: p },
        y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'final training loss' },
        color: { field: 'depth', type: 'ordinal', scale: { scheme: 'category10' } },
        shape: { field: 'type', type: 'nominal' },
        tooltip: [{ field: 'run' }, { field: 'status' }, { field, title: p }, { field: 'loss', format: '.4f' }],
      },
    };
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values: rows },
    columns: 3,
    concat: searched.map(panel),
  };
}

/** The gate-analysis figures of runs that have them, embedded as data URLs. */
function analysisFigures(runs: RunRecord[], root: string): string {
  const figures = ANALYSIS_FILES.filter((f) => f.endsWith('.svg'));
  const parts = runs.flatMap((r) => {
    const dir = join(r.dir, RUN_FILES.analysis);
    const svgs = figures.filter((f) => existsSync(join(dir, f)));
    if (svgs.length === 0) return [];
    const imgs = svgs.map(
      (f) =>
        `<figure><img alt="${escapeHtml(`${r.id} ${f}`)}" src="data:image/svg+xml;base64,${readFileSync(join(dir, f)).toString('base64')}"><figcaption>${escapeHtml(f)}</figcaption></figure>`,
    );
    return [`<h3>${escapeHtml(r.id)} <small>(${escapeHtml(relative(root, dir) || dir)})</small></h3><div class="figures">${imgs.join('')}</div>`];
  });
  return parts.length ? `<section id="gates"><h2>What the gates learned</h2>${parts.join('\n')}</section>` : '';
}

export function reportHtml(root: string, all: RunRecord[], markdown: string, title: string): string {
  // the charts show the readable runs; the unreadable ones are listed in the report's text
  const runs = all.filter((r) => !r.unreadable);
  const params = paramColumns(runs);
  const curves = curvesSpec(curveRows(runs, params), params);
  const search = searchSpec(runs, params);
  const scripts = [
    ...LIBRARIES.map(([pkg, file]) => scriptSafe(readFileSync(join(packageDir(pkg), file), 'utf8'))),
    `
  const specs = ${scriptJson({ curves, search })};
  const options = { actions: false, renderer: 'svg' };
  vegaEmbed('#curves-chart', specs.curves, options).catch((e) => console.error(e));
  if (specs.search) vegaEmbed('#search-chart', specs.search, options).catch((e) => console.error(e));
`,
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(scripts)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — highway report</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
  table { border-collapse: collapse; margin: 1rem 0; font-size: 13px; }
  th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
  code { background: #f4f4f4; padding: 0 3px; }
  .figures { display: flex; flex-wrap: wrap; gap: 1rem; }
  .figures img { max-width: 520px; }
  .hint { color: #666; font-size: 13px; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="hint">${all.length} runs from <code>${escapeHtml(root)}</code>. Written by <code>highway report</code>; during a sweep it is rewritten as runs finish — reload to update.</p>
<section id="curves"><h2>Learning curves</h2>
<p class="hint">One line per run, a point per epoch; choose the metric below the chart. Hover a point for its run and parameters; click a depth or a type in the legend to pick it (shift-click for more).</p>
<div id="curves-chart"></div></section>
${search ? '<section id="search"><h2>Searched hyperparameters against final loss</h2><div id="search-chart"></div></section>' : ''}
<section id="report">${markdownToHtml(markdown)}</section>
${analysisFigures(runs, root)}
${scripts.map((s) => `<script>${s}</script>`).join('\n')}
</body>
</html>
`;
}
