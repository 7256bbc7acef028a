/**
 * Input dropout draws a new mask every training step, reproducibly from the seed. (tfjs-layers'
 * own Dropout given a seed repeated one mask on every step.)
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SeededDropout } from '../src/layers/index.js';
import { resolveConfig } from '../src/config/index.js';
import { executeRun } from '../src/runs/run.js';
import { buildModel } from '../src/model/index.js';
import { initBackend } from '../src/backend/index.js';

const zerosOf = (t: tf.Tensor) => Array.from(t.dataSync(), (v) => (v === 0 ? 1 : 0));

describe('SeededDropout', () => {
  it('consecutive training calls draw different masks; the same seed replays them; inference is the identity', () => {
    const x = tf.ones([64, 50]);
    const a = new SeededDropout({ rate: 0.3, seed: 7 });
    const b = new SeededDropout({ rate: 0.3, seed: 7 });
    const a1 = a.apply(x, { training: true }) as tf.Tensor;
    const a2 = a.apply(x, { training: true }) as tf.Tensor;
    const b1 = b.apply(x, { training: true }) as tf.Tensor;
    const m1 = zerosOf(a1);
    const m2 = zerosOf(a2);
    expect(m1).not.toEqual(m2);
    expect(zerosOf(b1)).toEqual(m1);
    // the rate: 30% of 3,200 dropped (binomial sd ≈ 26), survivors scaled by 1 / 0.7
    const dropped = m1.reduce((s, v) => s + v, 0);
    expect(Math.abs(dropped - 960)).toBeLessThan(130);
    const kept = Array.from(a1.dataSync()).filter((v) => v !== 0);
    kept.forEach((v) => {
      expect(v).toBeCloseTo(1 / 0.7, 5);
    });
    // every row gets its own mask: rows do not repeat one pattern
    const rows = new Set(Array.from({ length: 64 }, (_, r) => m1.slice(r * 50, (r + 1) * 50).join('')));
    expect(rows.size).toBe(64);
    expect(Array.from((a.apply(x, { training: false }) as tf.Tensor).dataSync())).toEqual(new Array(3200).fill(1));
    tf.dispose([x, a1, a2, b1]);
  });

  it('a model built with model.inputDropout gives different outputs on two training-mode calls, the same in inference', () => {
    const m = resolveConfig(
      new Map<string, unknown>([
        ['model.depth', 2],
        ['model.width', 8],
        ['model.inputDropout', 0.2],
      ]),
    ).model;
    const net = buildModel(m, { inputShape: [16], numClasses: 3 }, 1);
    const x = tf.ones([4, 16]);
    const out = (training: boolean) => Array.from((net.apply(x, { training }) as tf.Tensor).dataSync());
    expect(out(true)).not.toEqual(out(true));
    expect(out(false)).toEqual(out(false));
    net.dispose();
    x.dispose();
  });

  it('two runs with input dropout and the same seed give identical metrics; another seed does not', async () => {
    const backend = await initBackend();
    const dir = mkdtempSync(join(tmpdir(), 'dropout-'));
    const cfg = (seed: number) =>
      resolveConfig(
        new Map<string, unknown>([
          ['dataset.name', 'synthetic'],
          ['dataset.trainSize', 128],
          ['dataset.testSize', 32],
          ['model.depth', 3],
          ['model.width', 8],
          ['model.inputDropout', 0.3],
          ['train.epochs', 3],
          ['train.batchSize', 32],
          ['train.seed', seed],
        ]),
      );
    const metrics = async (name: string, seed: number) => {
      await executeRun(cfg(seed), { out: join(dir, name), force: false, backend });
      return readFileSync(join(dir, name, 'metrics.csv'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(',').slice(0, 5).join());
    };
    const [a, b, c] = [await metrics('a', 1), await metrics('b', 1), await metrics('c', 2)];
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});
