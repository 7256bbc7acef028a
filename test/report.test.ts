import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { writeReport } from '../src/report/index.js';
import { loadRuns } from '../src/report/load.js';
import { highway, STACK_LINE } from './helpers/cli.js';

/** A run folder written by hand: losses per epoch (epoch 0 first). */
function writeRun(root: string, id: string, type: string, depth: number, losses: number[], status = 'completed', params: Record<string, unknown> = {}): void {
  const dir = join(root, 'runs', id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ model: { type, depth }, train: {}, run: { sweep: { id, index: 0, params: { 'model.type': type, 'model.depth': depth, ...params } } } }),
  );
  const rows = losses.map((l, e) => `${e},${Number.isNaN(l) ? 'NaN' : l},0.5,${l},0.9,${e ? 0.1 : ''},${e},0`);
  writeFileSync(join(dir, 'metrics.csv'), `${['epoch,train_loss,train_acc,test_loss,test_acc,lr,seconds,eval_seconds', ...rows].join('\n')}\n`);
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({ status, wallSeconds: 12.5 }));
}

/** Geometric decay from 2.3 to `to` over `over` epochs, then flat, for `n` epochs after epoch 0. */
const decay = (to: number, over: number, n = 10) => Array.from({ length: n + 1 }, (_, e) => 2.3 * (to / 2.3) ** (Math.min(e, over) / over));

/**
 * Curves shaped like the paper's Figure 1, ten finishers per cell: plain d10/d20 fall to
 * k·1e-5 (k = 1…10) over 10 epochs; plain d50/d100 stay near ln 10 (and one more diverged);
 * highway falls to k·1e-6 within 3 epochs at every depth.
 */
function paperLike(root: string): void {
  for (let k = 1; k <= 10; k++) {
    for (const d of [10, 20]) writeRun(root, `plain-d${d}-t${k}`, 'plain', d, decay(k * 1e-5, 10));
    for (const d of [50, 100]) writeRun(root, `plain-d${d}-t${k}`, 'plain', d, [2.3, 2.3, 2.29, 2.29, 2.28, 2.28, 2.28, 2.28, 2.28, 2.28, 2.28]);
    for (const d of [10, 20, 50, 100]) writeRun(root, `highway-d${d}-t${k}`, 'highway', d, decay(k * 1e-6, 3), 'completed', { 'model.gateBias': -k });
  }
  for (const d of [50, 100]) writeRun(root, `plain-d${d}-t11`, 'plain', d, [2.3, 2.3, NaN], 'diverged');
}

describe('report', () => {
  it('on a hand-made Figure-1-like folder: all five claims held, numbers from the curves', async () => {
    const root = mkdtempSync(join(tmpdir(), 'report-'));
    paperLike(root);
    const r = await writeReport(root);
    expect(r.claims.map((c) => c.verdict)).toEqual(['held', 'held', 'held', 'held', 'held']);
    // hand-derived: plain d10 top-10 mean = (1 + … + 10)·1e-5 / 10 = 5.5e-5
    const p10 = r.stats.find((s) => s.type === 'plain' && s.depth === 10)!;
    expect(p10.topKMean).toBeCloseTo(5.5e-5, 12);
    // plain d100: the diverged run is counted, never ranked or averaged: best and mean 2.28 over 10 finishers
    const p100 = r.stats.find((s) => s.type === 'plain' && s.depth === 100)!;
    expect([p100.bestLoss, p100.ranked.length, p100.diverged]).toEqual([2.28, 10, 1]);
    expect(p100.topKMean).toBeCloseTo(2.28, 12);
    expect(r.claims[3]!.best).toBe('plain 2.28, highway 1.00e-6, ratio 2.28e+6');
    // claim 5 at d10 (best curves): plain reaches 0.1 at epoch 3 and 0.01 at 5; highway at 1 and 2;
    // halfway (epoch 5) plain is at 2.3·(1e-5/2.3)^0.5 = 0.00480, which highway reaches at epoch 2
    expect(r.claims[4]!.best).toContain('d10 0.100: plain 3 / highway 1 (3.00×), 0.0100: plain 5 / highway 2 (2.50×), 0.00480: plain 5 / highway 2 (2.50×)');
    expect(r.claims[4]!.best).toContain('d100 0.100: plain never / highway 1 (∞×)');
    const md = readFileSync(join(root, 'report.md'), 'utf8');
    // 2.28 / 5.5e-6 = 4.15e5
    expect(md).toContain('| 100 | 2.28 | 2.28 (10) | 1.00e-6 | 5.50e-6 (10) | 4.15e+5 | 11 (10, 0, 1) | 10 (10, 0, 0) |');
    expect(md.match(/\| \*\*held\*\* \|/g)?.length).toBe(5);
    expect(md).not.toMatch(/Infinity|∞ \(/);
  });

  it('three block types: a column group per type, ratios against plain, dotted residual lines, and the residual line from the numbers', async () => {
    const root = mkdtempSync(join(tmpdir(), 'report-'));
    paperLike(root);
    // residual: d50 best 4e-6, second 2e-5 → mean 1.2e-5; d100 best 5e-5 (one run)
    writeRun(root, 'residual-d50-t0', 'residual', 50, [2.3, 0.1, 4e-6]);
    writeRun(root, 'residual-d50-t1', 'residual', 50, [2.3, 0.1, 2e-5]);
    writeRun(root, 'residual-d100-t0', 'residual', 100, [2.3, 0.1, 5e-5]);
    const r = await writeReport(root);
    const md = readFileSync(join(root, 'report.md'), 'utf8');
    expect(md).toContain(
      '| depth | plain best | plain top-10 mean (n) | highway best | highway top-10 mean (n) | residual best | residual top-10 mean (n) | plain / highway (top-10 mean) | plain / residual (top-10 mean) |',
    );
    // d50: plain 2.28; highway 5.5e-6; residual (4e-6 + 2e-5) / 2 = 1.2e-5 over 2 finishers
    expect(md).toContain('| 50 | 2.28 | 2.28 (10) | 1.00e-6 | 5.50e-6 (10) | 4.00e-6 | 1.20e-5 (2) | 4.15e+5 | 1.90e+5 |');
    expect(md).toContain('| 10 | 1.00e-5 | 5.50e-5 (10) | 1.00e-6 | 5.50e-6 (10) | — | — | 10.0 | — |');
    expect(md).toContain('Fewer than 10 runs reached the last epoch in residual d50 (2), residual d100 (1)');
    expect(md).toContain(
      "Residual vs highway (ours, not the paper's; final training loss, lower is better): highway nets have the lower training loss at depth 50 and depth 100, best and top-10 mean alike. d50: best residual 4.00e-6 vs highway 1.00e-6 (ratio 4.00), top-10 mean 1.20e-5 (n=2) vs 5.50e-6 (n=10) (ratio 2.18); d100: best residual 5.00e-5 vs highway 1.00e-6 (ratio 50.0), top-10 mean 5.00e-5 (n=1) vs 5.50e-6 (n=10) (ratio 9.09).",
    );
    expect(r.claims.map((c) => c.verdict)).toEqual(['held', 'held', 'held', 'held', 'held']);
    const svg = readFileSync(join(root, 'figure1.svg'), 'utf8');
    expect(svg).toContain('stroke-dasharray="2,2"');
    expect(svg).toContain('residual');
  });

  it('marks claims not held when the data says so', async () => {
    const root = mkdtempSync(join(tmpdir(), 'report-'));
    // ten finishers everywhere, but plain d50 trains as well as d10 and highway d50 badly
    const flat = (v: number) => [2.3, v, v, v, v, v, v];
    for (let k = 0; k < 10; k++) {
      writeRun(root, `plain-d10-${k}`, 'plain', 10, flat(0.01));
      writeRun(root, `plain-d50-${k}`, 'plain', 50, flat(0.02));
      writeRun(root, `highway-d10-${k}`, 'highway', 10, flat(0.01));
      writeRun(root, `highway-d50-${k}`, 'highway', 50, flat(0.5));
    }
    const r = await writeReport(root);
    expect(r.claims.map((c) => c.verdict)).toEqual(['not tested', 'not held', 'not held', 'not tested', 'not held']);
    expect(r.claims[0]!.missing).toBe('no plain d20 runs (10 needed)');
    // no shallow cell, and a deep cell with no finisher: their figures read "—", not blank or NaN
    const deepOnly = mkdtempSync(join(tmpdir(), 'report-'));
    writeRun(deepOnly, 'plain-d50-0', 'plain', 50, [2.3, 2.3], 'stopped');
    writeRun(deepOnly, 'plain-d100-0', 'plain', 100, flat(2.3));
    const c2 = (await writeReport(deepOnly)).claims[1]!;
    expect(c2.best).toBe('shallow —; deep d50 —, d100 2.30');
    expect(c2.mean).toBe('shallow —; deep d50 — (n=0), d100 2.30 (n=1)');
  });

  it('a cell with fewer than 10 finishers makes the claims that need it "not tested", never "not held"; its figures are still shown', async () => {
    const root = mkdtempSync(join(tmpdir(), 'report-'));
    paperLike(root);
    // plain d10 loses five finishers: four stopped by a scheduler, one diverged
    for (const k of [1, 2, 3, 4]) writeRun(root, `plain-d10-t${k}`, 'plain', 10, decay(0.5, 10).slice(0, 2), 'stopped');
    writeRun(root, 'plain-d10-t5', 'plain', 10, [2.3, NaN], 'diverged');
    const r = await writeReport(root);
    expect(r.claims.map((c) => c.verdict)).toEqual(['not tested', 'not tested', 'held', 'held', 'not tested']);
    expect(r.claims[0]!.missing).toBe('plain d10 has 5 finishers (10 needed)');
    // the figures stay, for information: (6 + … + 10)·1e-5 / 5 = 8e-5 over the 5 finishers
    expect(r.claims[0]!.mean).toContain('d10 8.00e-5 (n=5)');
    const md = readFileSync(join(root, 'report.md'), 'utf8');
    expect(md).toContain(
      '| 1. Plain nets of depth 10 and 20 reach very low training loss (mean loss < 1e-4). | **not tested** (plain d10 has 5 finishers (10 needed))',
    );
    expect(md).toContain('| 10 | 6.00e-5 | 8.00e-5 (5) |');
    expect(md).toContain('10 (5, 4, 1)');
  });

  it('one run per cell (depth-quick): every claim not tested, with the figures for information', async () => {
    const root = mkdtempSync(join(tmpdir(), 'report-'));
    for (const d of [10, 20, 50, 100]) {
      writeRun(root, `plain-d${d}`, 'plain', d, d >= 50 ? [2.3, 2.3, 2.3, 2.3] : decay(1e-3, 3, 3));
      writeRun(root, `highway-d${d}`, 'highway', d, decay(1e-4, 3, 3));
    }
    const r = await writeReport(root);
    expect(r.claims.map((c) => c.verdict)).toEqual(['not tested', 'not tested', 'not tested', 'not tested', 'not tested']);
    expect(r.claims[3]!.best).toBe('plain 2.30, highway 1.00e-4, ratio 2.30e+4');
  });

  it('runs.csv and curves.csv: headers, one row per run, blank cells after a run stopped; SVG is well-formed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'report-'));
    paperLike(root);
    writeRun(root, 'highway-d10-t99', 'highway', 10, [2.3, 1.0], 'running', { 'model.gateBias': -5 });
    await writeReport(root);
    const runs = readFileSync(join(root, 'runs.csv'), 'utf8').trim().split('\n');
    expect(runs[0]).toBe('id,sweep,model.type,model.depth,model.gateBias,status,final_train_loss,best_train_loss,final_test_acc,epochs,params,seconds,folder');
    expect(runs.length).toBe(1 + 83);
    const plainRow = runs.find((l) => l.startsWith('plain-d50-t1,'))!.split(',');
    expect(plainRow[4]).toBe(''); // gateBias does not apply to plain nets
    expect(plainRow.slice(5, 8)).toEqual(['completed', '2.28', '2.28']);
    const curves = readFileSync(join(root, 'curves.csv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(curves[0]![0]).toBe('epoch');
    expect(curves[0]!.length).toBe(1 + 83);
    expect(curves.length).toBe(1 + 11); // epochs 0..10
    const col = curves[0]!.indexOf('runs/highway-d10-t99');
    expect(curves.map((r) => r[col])).toEqual(['runs/highway-d10-t99', '2.3', '1', '', '', '', '', '', '', '', '', '']);
    const svg = readFileSync(join(root, 'figure1.svg'), 'utf8');
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Best run per depth');
    expect(svg).toContain('Mean of the top 10 runs');
  });

  it("the sweep column: the report's own sweep by its folder name, unless a sweep inside has that path", () => {
    const parent = mkdtempSync(join(tmpdir(), 'report-'));
    const root = join(parent, 'fig1');
    writeRun(root, 'a', 'plain', 10, [2.3, 1]);
    writeFileSync(join(root, 'sweep.json'), '{}');
    expect(loadRuns(root).map((r) => r.sweep)).toEqual(['fig1']);
    writeRun(join(root, 'fig1'), 'b', 'plain', 10, [2.3, 1]);
    writeFileSync(join(root, 'fig1', 'sweep.json'), '{}');
    expect(
      loadRuns(root)
        .map((r) => `${r.key} ${r.sweep}`)
        .sort(),
    ).toEqual(['fig1/runs/b fig1', 'runs/a .']);
  });

  it('CLI: works on a copied folder; a missing or empty folder is a clear error', () => {
    const root = mkdtempSync(join(tmpdir(), 'report-'));
    paperLike(root);
    const out = mkdtempSync(join(tmpdir(), 'report-out-'));
    const r = highway(['report', root, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/claim 4: held\n {2}best runs: plain 2.28, highway 1.00e-6, ratio 2.28e\+6\n {2}top-10 means: /);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('Depth study report');
    const missing = highway(['report', join(root, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/results folder .*nope does not exist/);
    const empty = highway(['report', mkdtempSync(join(tmpdir(), 'empty-'))]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/no run folders found/);
    expect(empty.stderr).not.toMatch(STACK_LINE);
  });
});

describe('report on text runs with a dev split', () => {
  /** rows: [train_loss, test_acc, dev_acc] per epoch */
  function textRun(root: string, id: string, type: string, depth: number, rows: Array<[number, number, number]>): void {
    const dir = join(root, 'runs', id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ model: { type, depth }, train: {}, run: { sweep: { id, index: 0, params: { 'model.type': type, 'model.depth': depth } } } }),
    );
    const lines = rows.map(([l, t, d], e) => `${e},${l},0.5,${l},${t},${e ? 0.1 : ''},${e},0,${l},${d}`);
    writeFileSync(
      join(dir, 'metrics.csv'),
      `${['epoch,train_loss,train_acc,test_loss,test_acc,lr,seconds,eval_seconds,dev_loss,dev_acc', ...lines].join('\n')}\n`,
    );
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ status: 'completed', wallSeconds: 3 }));
  }

  it('test accuracy at the best dev epoch (first maximum), never the best test epoch; by depth, per family', async () => {
    const root = mkdtempSync(join(tmpdir(), 'report-text-'));
    // plain: dev peaks at epoch 1 (0.40) where test is 0.38; test's own best (0.45) is at epoch 2
    textRun(root, 'plain-bilstm-d2', 'plain-bilstm', 2, [
      [1.6, 0.2, 0.2],
      [1.0, 0.38, 0.4],
      [0.5, 0.45, 0.39],
    ]);
    // highway: dev ties at epochs 1 and 2 (0.42): the first is chosen, test there 0.41
    textRun(root, 'highway-bilstm-d2', 'highway-bilstm', 2, [
      [1.6, 0.2, 0.2],
      [0.9, 0.41, 0.42],
      [0.4, 0.44, 0.42],
    ]);
    await writeReport(root);
    const csv = readFileSync(join(root, 'runs.csv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const col = (name: string, id: string) => csv.find((r) => r[0] === id)![csv[0]!.indexOf(name)];
    expect([col('best_dev_acc', 'plain-bilstm-d2'), col('best_dev_epoch', 'plain-bilstm-d2'), col('test_acc_at_best_dev', 'plain-bilstm-d2')]).toEqual([
      '0.4',
      '1',
      '0.38',
    ]);
    expect([col('best_dev_epoch', 'highway-bilstm-d2'), col('test_acc_at_best_dev', 'highway-bilstm-d2')]).toEqual(['1', '0.41']);
    const md = readFileSync(join(root, 'report.md'), 'utf8');
    expect(md).toContain('## Test accuracy by depth, at the best dev epoch (plain-bilstm / highway-bilstm)');
    // 41.0 − 38.0 = 3.0 points
    expect(md).toContain('| 2 | 38.0% (1) | 40.0% | 41.0% (1) | 42.0% | 3.0 points |');
    expect(md).toContain('Not tested: they concern the fully connected');
  });
});
