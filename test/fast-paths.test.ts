import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { setFastPaths } from '../src/backend/fast-paths.js';
import { resolveConfig } from '../src/config/index.js';
import { executeRun } from '../src/runs/run.js';
import { prepareNet } from '../src/bench/measure.js';
import { maxRelErr } from './helpers/reference.js';

afterEach(() => {
  setFastPaths(true);
});

describe('fast paths against the generic path (plain TF.js ops)', () => {
  const cfg = resolveConfig(
    new Map<string, unknown>(
      Object.entries({
        'dataset.name': 'synthetic',
        'dataset.trainSize': 512,
        'dataset.testSize': 64,
        'model.type': 'highway',
        'model.depth': 10,
        'model.width': 18,
        'train.epochs': 3,
        'train.batchSize': 32,
        'train.lr': 0.05,
        'train.seed': 7,
      }),
    ),
  );
  const metrics = async (fast: boolean): Promise<number[][]> => {
    const backend = await initBackend('auto');
    setFastPaths(fast);
    const out = join(mkdtempSync(join(tmpdir(), 'highway-fast-')), 'run');
    const s = await executeRun(cfg, { out, force: false, backend });
    expect(s.status).toBe('completed');
    const [head, ...rows] = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    // the losses and accuracies (not the epoch, learning rate or timings)
    const numeric = head!.split(',').map((c) => /_(loss|acc)$/.test(c));
    return rows.map((r) =>
      r
        .split(',')
        .map(Number)
        .filter((_, i) => numeric[i]),
    );
  };

  it('a seeded run gives the same metrics.csv (1e-4 relative at epoch 3)', async () => {
    const fast = await metrics(true);
    const generic = await metrics(false);
    expect(fast.length).toBe(4); // epoch 0 (before training), 1, 2, 3
    expect(maxRelErr(fast[3]!, generic[3]!)).toBeLessThan(1e-4);
    // and the net did train (the loss moved well beyond the tolerance)
    expect(fast[3]![0]! / fast[0]![0]!).toBeLessThan(0.9);
  });

  it('numTensors stays flat over training steps on both paths', () => {
    for (const fast of [true, false]) {
      setFastPaths(fast);
      const net = prepareNet({ model: 'highway', depth: 6 }, 16);
      const t = net.time(4, 2);
      expect(t.leaked, `fast paths ${fast}`).toBe(0);
      net.dispose();
    }
  });
});
