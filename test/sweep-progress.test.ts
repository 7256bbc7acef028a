/**
 * Sweep progress that tells the truth: the ETA is the epochs left in each cell times that cell's
 * measured seconds per epoch (hand-computed below), and a sweep in a pipe writes one line per
 * event — runs starting, each epoch of each run in flight, runs ending.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SweepClock } from '../src/sweep/eta.js';
import type { PlannedRun } from '../src/sweep/expand.js';
import type { EpochRow } from '../src/train/index.js';
import { highway } from './helpers/cli.js';
import { tempDir } from './helpers/run-folder.js';

const run = (id: string, depth: number, epochs: number, group = `d${depth}`) =>
  ({ id, group, index: 0, trial: null, params: {}, config: { model: { type: 'highway', depth }, train: { epochs, batchSize: 128 } } }) as unknown as PlannedRun;
const row = (epoch: number, seconds: number) => ({ epoch, seconds }) as EpochRow;

describe('SweepClock', () => {
  it('epochs left per cell × measured seconds per epoch, over the slots; unmeasured cells scale by depth', () => {
    const a = run('a', 10, 10);
    const b = run('b', 10, 10);
    const c = run('c', 50, 4);
    const clock = new SweepClock([a, b, c], null);
    expect(clock.remainingSeconds(2)).toBeNull(); // nothing measured yet
    // run a: epochs 0, 1, 2 at 0.5 s, 2.5 s, 4.5 s → 2 s per epoch at depth 10
    clock.row(a, row(0, 0.5));
    clock.row(a, row(1, 2.5));
    clock.row(a, row(2, 4.5));
    // left: a 8 epochs, b 10 (depth 10, 2 s each), c 4 epochs at depth 50: 2 s / 10 layers × 50 = 10 s each
    // (8 + 10) × 2 + 4 × 10 = 76 s of work, over 2 slots = 38 s
    expect(clock.remainingSeconds(2)).toBeCloseTo(38, 9);
    clock.finished(b, 10);
    expect(clock.remainingSeconds(2)).toBeCloseTo((8 * 2 + 4 * 10) / 2, 9);
  });

  it('under successive halving a group has its budget left, less what its runs trained', () => {
    // 27 runs, 9 epochs, rungs 1 and 3, at least 4 kept: 69 epochs in all (hand count in sha.test.ts)
    const runs = Array.from({ length: 27 }, (_, i) => run(`t${i}`, 10, 9, 'g'));
    const clock = new SweepClock(runs, { metric: 'train_loss', minEpochs: 1, reduction: 3, minFinishers: 4 });
    clock.row(runs[0]!, row(0, 0));
    clock.row(runs[0]!, row(1, 3)); // 3 s per epoch
    // 1 epoch trained of 69: 68 × 3 s over one slot
    expect(clock.remainingSeconds(1)).toBeCloseTo(68 * 3, 9);
  });
});

describe('sweep progress in a pipe', () => {
  it('one line per event: starts, every epoch of the runs in flight with an ETA, ends', () => {
    const dir = tempDir('progress');
    const cfg = join(dir, 'c.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        name: 'p',
        dataset: { name: 'synthetic', trainSize: 64, testSize: 16 },
        model: { depth: 2, width: 8 },
        train: { epochs: 3, batchSize: 16 },
        sweep: { grid: { 'train.seed': [1, 2] } },
      }),
    );
    const r = highway(['sweep', cfg, '--out', join(dir, 'out'), '--jobs', '1']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines.filter((l) => /^start seed\d \(epochs 1–3\)$/.test(l))).toHaveLength(2);
    expect(lines.filter((l) => /^seed\d {2}epoch [0-3]\/3 {2}train_loss \d/.test(l))).toHaveLength(8);
    // after the first measured epoch every epoch line carries an ETA
    expect(lines.filter((l) => /epoch [1-3]\/3 .* ETA \dm\d\ds$/.test(l)).length).toBeGreaterThanOrEqual(5);
    expect(lines.filter((l) => /^\[\d\/2\] seed\d {2}completed/.test(l))).toHaveLength(2);
    expect(r.stderr.includes('\u001b[')).toBe(false); // nothing redrawn in a pipe
    const quiet = highway(['sweep', cfg, '--out', join(dir, 'quiet'), '--jobs', '1', '--quiet']);
    expect(quiet.stderr.trim().split('\n')).toHaveLength(2); // one line per run that ends
  });
});
