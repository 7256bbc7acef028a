/**
 * A report over any set of runs: two sweeps whose run ids are the same are kept apart (their own
 * cells, claims and curves, every run keyed by its folder), the long epochs.csv reads in Python's
 * csv module with one column count, `--group-by` chooses the cells (and says what it pools), and
 * cells whose nets differ in parameters per layer are flagged.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { highway } from './helpers/cli.js';
import { tempDir } from './helpers/run-folder.js';

function sweep(root: string, name: string, model: Record<string, unknown>, train: Record<string, unknown> = {}): void {
  const cfg = join(root, `${name}.json`);
  writeFileSync(
    cfg,
    JSON.stringify({
      name,
      dataset: { name: 'synthetic', trainSize: 96, testSize: 32 },
      model: { width: 8, ...model },
      train: { epochs: 2, batchSize: 32, ...train },
      sweep: { grid: { 'model.type': ['plain', 'highway'], 'model.depth': [2, 3] } },
    }),
  );
  const r = highway(['sweep', cfg, '--out', join(root, name), '--jobs', '2', '--quiet']);
  expect(r.code, r.stderr).toBe(0);
}

const csv = (file: string) => parse(readFileSync(file, 'utf8')) as string[][];

describe('reports over several sweeps', () => {
  it('two sweeps with the same run ids: unique keys, a sweep column, separate cells and claims, and a warning', () => {
    const root = tempDir('studies');
    sweep(root, 'tanh', { activation: 'tanh' });
    sweep(root, 'relu', { activation: 'relu' });
    const r = highway(['report', root]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/2 studies kept apart \(by sweep\)/);
    expect(r.stdout).toMatch(/== sweep relu\n/);
    expect(r.stdout).toMatch(/== sweep tanh\n/);

    const curves = csv(join(root, 'curves.csv'));
    expect(new Set(curves[0]).size).toBe(curves[0]!.length); // no duplicate header
    expect(curves[0]).toContain('tanh/runs/plain-d2');
    expect(curves[0]).toContain('relu/runs/plain-d2');
    const runs = csv(join(root, 'runs.csv'));
    const col = (name: string) => runs[0]!.indexOf(name);
    expect(
      runs
        .slice(1)
        .map((row) => `${row[col('sweep')]} ${row[col('id')]}`)
        .sort(),
    ).toEqual(['relu', 'tanh'].flatMap((s) => ['highway-d2', 'highway-d3', 'plain-d2', 'plain-d3'].map((id) => `${s} ${id}`)).sort());
    expect(runs.slice(1).every((row) => Number(row[col('params')]) > 0)).toBe(true);

    const md = readFileSync(join(root, 'report.md'), 'utf8');
    expect(md).toContain('**2 studies, kept apart** (cells split by sweep');
    expect(md).toContain('## sweep relu');
    expect(md).toContain('## sweep tanh');
    // each study's table has one cell per depth and type: nothing pooled across the two
    expect(md.match(/^\| 2 \| /gm)).toHaveLength(2);
    const html = readFileSync(join(root, 'report.html'), 'utf8');
    expect(html).toContain('"run":"tanh/runs/plain-d2"');
    expect(html).toContain('"run":"relu/runs/plain-d2"');

    // --group-by pools the two; what differs between them is then said, in the terminal and in report.md
    const pooled = highway(['report', root, '--group-by', 'none', '--out', join(root, 'pooled')]);
    expect(pooled.code, pooled.stderr).toBe(0);
    expect(pooled.stderr).toMatch(/warning: plain d2 pools runs whose model\.activation differs \((relu, tanh|tanh, relu)\)/);
    expect(readFileSync(join(root, 'pooled', 'report.md'), 'utf8')).toMatch(/\*\*Warning:\*\* plain d2 pools runs whose model\.activation differs/);
    expect(highway(['report', root, '--group-by', 'model.activaton']).stderr).toMatch(
      /--group-by: "model\.activaton" is neither "sweep" nor a config path \(did you mean "model\.activation"\?\)/,
    );
  });

  it('epochs.csv: one row per run and epoch with every metric and setting; Python reads it with one column count', () => {
    const root = tempDir('epochs');
    sweep(root, 'one', { activation: 'relu' });
    expect(highway(['report', join(root, 'one')]).code).toBe(0);
    const file = join(root, 'one', 'epochs.csv');
    const rows = csv(file);
    const head = rows[0]!;
    for (const c of ['run', 'sweep', 'epoch', 'train_loss', 'train_acc', 'test_loss', 'test_acc', 'lr', 'params', 'status', 'model.type', 'train.lr'])
      expect(head).toContain(c);
    // 4 runs × epochs 0, 1, 2
    expect(rows).toHaveLength(1 + 4 * 3);
    // the values are each run's own metrics.csv
    const at = (row: string[], c: string) => row[head.indexOf(c)]!;
    const first = rows.find((row) => at(row, 'run') === 'runs/highway-d3' && at(row, 'epoch') === '2')!;
    const metrics = csv(join(root, 'one', 'runs', 'highway-d3', 'metrics.csv'));
    expect(at(first, 'test_loss')).toBe(metrics[3]![metrics[0]!.indexOf('test_loss')]);
    // epoch 0 (the untrained net) has no learning rate: empty in both files
    const initial = rows.find((row) => at(row, 'run') === 'runs/highway-d3' && at(row, 'epoch') === '0')!;
    expect(metrics[1]![metrics[0]!.indexOf('lr')]).toBe('');
    expect(at(initial, 'lr')).toBe('');
    expect(at(first, 'lr')).toBe(metrics[3]![metrics[0]!.indexOf('lr')]);
    // the sweep column names the report's own sweep by its folder, as a report over several does
    expect(new Set(rows.slice(1).map((row) => at(row, 'sweep')))).toEqual(new Set(['one']));
    const py = spawnSync(
      'python3',
      ['-c', 'import csv,sys; rows=list(csv.reader(open(sys.argv[1]))); print(len(rows), sorted(set(len(r) for r in rows)))', file],
      { encoding: 'utf8' },
    );
    expect(py.stdout.trim()).toBe(`${rows.length} [${head.length}]`);
  });

  it('the parameter count of each run is shown, and cells that differ in parameters per layer by more than 5% are flagged', () => {
    const root = tempDir('params');
    sweep(root, 'w100', { width: 100 });
    const md = readFileSync(join(root, 'w100', 'report.md'), 'utf8');
    // plain 100² + 100 = 10,100 against highway 2·(100² + 100) = 20,200 per hidden layer
    expect(md).toContain('plain params/layer');
    expect(md).toMatch(/\| 10,100 \| 20,200 \|/);
    expect(md).toContain(
      '**Warning: the cells compared differ in parameters per hidden layer by more than 5%** (d2 plain 10,100 vs highway 20,200; d3 plain 10,100 vs highway 20,200)',
    );
    // with the paper's pairing kept, plain gets 142 units: 142² + 142 = 20,306, within 1% of 20,200
    sweep(root, 'paired', { width: 100, equalParameters: true });
    const paired = readFileSync(join(root, 'paired', 'report.md'), 'utf8');
    expect(paired).toMatch(/\| 20,306 \| 20,200 \|/);
    expect(paired).not.toContain('differ in parameters per hidden layer');
  });
});
