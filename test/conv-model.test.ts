import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../src/config/index.js';
import { buildModel, countParams, logitsModel } from '../src/model/index.js';
import { HighwayConv2D } from '../src/layers/index.js';
import { loadDataset } from '../src/data/index.js';
import { trainModel } from '../src/train/index.js';

const cfgOf = (over: Record<string, unknown>) => resolveConfig(new Map(Object.entries(over)));
const MNIST = { inputShape: [28, 28, 1], numClasses: 10 };

// Hand-derived: plain 5×5 conv 1→w, then per 3×3 layer 9w²+w (plain) or 2(9w²+w) (highway),
// three 'same' 3/2 max-pools take 28 → 14 → 7 → 4, then a dense 16w → 10.
const convParams = (w: number, blocks: number[], gates: number) => 25 * w + w + blocks.reduce((a, b) => a + b, 0) * gates * (9 * w * w + w) + 16 * w * 10 + 10;

describe("convolutional highway nets (the authors' MNIST layout)", () => {
  for (const [type, gates] of [
    ['highway-conv', 2],
    ['plain-conv', 1],
  ] as const) {
    for (const width of [16, 32]) {
      it(`${type} width ${width}: parameter count equals the formula (paper: 39K / 151K for highway)`, () => {
        const cfg = cfgOf({ 'model.type': type, 'model.width': width });
        expect(cfg.model.depth).toBe(9);
        const m = buildModel(cfg.model, MNIST, 1);
        expect(countParams(m)).toBe(convParams(width, [2, 3, 3], gates));
        expect(m.layers.filter((l) => l instanceof HighwayConv2D).length).toBe(gates === 2 ? 8 : 0);
        expect(m.outputs[0]!.shape).toEqual([null, 10]);
        m.dispose();
      });
    }
  }

  it('defaults: width 16 maps, stages [2, 3, 3]; custom stages set the depth', () => {
    const c = cfgOf({ 'model.type': 'highway-conv', 'model.convBlocks': [1, 2] });
    expect([c.model.width, c.model.depth, c.model.convBlocks]).toEqual([16, 4, [1, 2]]);
    expect(countParams(buildModel(c.model, MNIST, 1))).toBe(25 * 16 + 16 + 3 * 2 * (9 * 256 + 16) + 7 * 7 * 16 * 10 + 10);
  });

  it('non-image data is a clear error', () => {
    expect(() => buildModel(cfgOf({ 'model.type': 'highway-conv' }).model, { inputShape: [16], numClasses: 4 }, 1)).toThrow(
      /needs image data \[height, width, channels\]/,
    );
  });

  it('trains on this backend (conv gradients, pooling, input dropout) and leaks nothing across epochs', async () => {
    const cfg = cfgOf({
      'model.type': 'highway-conv',
      'model.width': 4,
      'model.convBlocks': [1, 1],
      'model.inputDropout': 0.2,
      'dataset.trainSize': 200,
      'dataset.testSize': 50,
      'train.epochs': 3,
      'train.batchSize': 25,
      'train.lr': 0.05,
      'train.decay': 1,
    });
    const data = loadDataset(cfg.dataset, 1);
    const model = buildModel(cfg.model, data, 1);
    const counts: number[] = [];
    const r = await trainModel(logitsModel(model), data, cfg.train, { onRow: () => counts.push(tf.memory().numTensors) });
    expect(r.status).toBe('completed');
    expect(r.rows[3]!.trainLoss).toBeLessThan(r.rows[0]!.trainLoss * 0.8);
    expect(new Set(counts.slice(1)).size).toBe(1);
    model.dispose();
  });
});
