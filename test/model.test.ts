import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { buildModel, countParams } from '../src/model/index.js';
import { resolveConfig } from '../src/config/index.js';
import { loadModel, saveModel } from '../src/runs/model-io.js';
import { HighwayDense } from '../src/layers/index.js';

const model = (over: Record<string, unknown>) => resolveConfig(new Map(Object.entries(over))).model;

// Hand-derived: plain layer a→b has a·b + b parameters; a coupled highway layer n→n has 2(n² + n).
const plainParams = (d: number, n: number, L: number, K: number) => d * n + n + (L - 1) * (n * n + n) + n * K + K;
const highwayParams = (d: number, n: number, L: number, K: number, gates = 2) => d * n + n + (L - 1) * gates * (n * n + n) + n * K + K;

describe('builder', () => {
  for (const depth of [1, 2, 10, 50, 100]) {
    it(`depth ${depth}: layer and parameter counts equal the formulas`, () => {
      const plain = buildModel(model({ 'model.type': 'plain', 'model.depth': depth }), { inputShape: [784], numClasses: 10 }, 1);
      const hw = buildModel(model({ 'model.type': 'highway', 'model.depth': depth }), { inputShape: [784], numClasses: 10 }, 1);
      expect(countParams(plain)).toBe(plainParams(784, 71, depth, 10));
      expect(countParams(hw)).toBe(highwayParams(784, 50, depth, 10));
      expect(hw.layers.filter((l) => l instanceof HighwayDense).length).toBe(depth - 1);
      // input + depth weighted layers + logits + softmax
      expect(plain.layers.length).toBe(depth + 3);
      plain.dispose();
      hw.dispose();
    });
  }

  it('plain-71 and highway-50 hidden layers carry equal parameters within 2% (paper: 5112 vs 5100)', () => {
    const perPlain = 71 * 71 + 71;
    const perHighway = 2 * (50 * 50 + 50);
    const plain = buildModel(model({ 'model.type': 'plain', 'model.depth': 20 }), { inputShape: [784], numClasses: 10 }, 1);
    const hw = buildModel(model({ 'model.type': 'highway', 'model.depth': 20 }), { inputShape: [784], numClasses: 10 }, 1);
    const stack = (m: typeof plain) => m.layers.slice(2, -2).reduce((n, l) => n + l.countParams(), 0);
    expect(stack(plain)).toBe(19 * perPlain);
    expect(stack(hw)).toBe(19 * perHighway);
    expect(Math.abs(stack(plain) / stack(hw) - 1)).toBeLessThan(0.02);
    plain.dispose();
    hw.dispose();
  });

  it('independent carry adds a third gate; images are flattened', () => {
    const m = buildModel(model({ 'model.depth': 3, 'model.carry': 'independent' }), { inputShape: [28, 28, 1], numClasses: 10 }, 1);
    expect(countParams(m)).toBe(highwayParams(784, 50, 3, 10, 3));
    expect(m.outputs[0]!.shape).toEqual([null, 10]);
    m.dispose();
  });

  it('per-layer widths: project inserts a plain layer, pad and subsample resize without weights', () => {
    const widths = [40, 40, 20, 20, 40];
    const proj = buildModel(model({ 'model.depth': 5, 'model.widths': widths }), { inputShape: [8], numClasses: 3 }, 1);
    // 8→40 plain, 40 highway, 40→20 plain (project), 20 highway, 20→40 plain, logits 40→3
    expect(countParams(proj)).toBe(8 * 40 + 40 + 2 * 1640 + (40 * 20 + 20) + 2 * 420 + (20 * 40 + 40) + 40 * 3 + 3);
    const sub = buildModel(
      model({ 'model.depth': 4, 'model.widths': [40, 40, 20, 20], 'model.transition': 'subsample' }),
      { inputShape: [8], numClasses: 3 },
      1,
    );
    expect(sub.layers.map((l) => l.getClassName())).toContain('FeatureSubsample');
    expect(countParams(sub)).toBe(8 * 40 + 40 + 2 * 1640 + 2 * 2 * 420 + 20 * 3 + 3);
    const pad = buildModel(model({ 'model.depth': 3, 'model.widths': [20, 20, 30], 'model.transition': 'pad' }), { inputShape: [8], numClasses: 3 }, 1);
    expect(countParams(pad)).toBe(8 * 20 + 20 + 2 * 420 + 2 * (900 + 30) + 30 * 3 + 3);
    [proj, sub, pad].forEach((m) => {
      m.dispose();
    });
  });

  it('impossible transitions are errors naming the field', () => {
    expect(() =>
      buildModel(model({ 'model.depth': 3, 'model.widths': [40, 40, 20], 'model.transition': 'pad' }), { inputShape: [8], numClasses: 3 }, 1),
    ).toThrow(/model\.widths\[2\]: transition "pad" cannot shrink width 40 to 20/);
    expect(() =>
      buildModel(model({ 'model.depth': 2, 'model.widths': [40, 30], 'model.transition': 'subsample' }), { inputShape: [8], numClasses: 3 }, 1),
    ).toThrow(/model\.widths\[1\]: transition "subsample" cannot go from width 40 to 30/);
    expect(() => model({ 'model.depth': 3, 'model.widths': [40, 40] })).toThrow(/model\.widths: expected 3 widths/);
  });

  it('the same seed gives the same weights; another seed different ones', () => {
    const cfg = model({ 'model.depth': 4 });
    const a = buildModel(cfg, { inputShape: [10], numClasses: 3 }, 7);
    const b = buildModel(cfg, { inputShape: [10], numClasses: 3 }, 7);
    const c = buildModel(cfg, { inputShape: [10], numClasses: 3 }, 8);
    const flat = (m: typeof a) => m.getWeights().flatMap((w) => Array.from(w.dataSync()));
    expect(flat(a)).toEqual(flat(b));
    expect(flat(a)).not.toEqual(flat(c));
    // layers get distinct seeds: two highway layers do not share W_H
    const [h1, h2] = a.layers.filter((l) => l instanceof HighwayDense);
    expect(Array.from(h1!.getWeights()[0]!.dataSync())).not.toEqual(Array.from(h2!.getWeights()[0]!.dataSync()));
    [a, b, c].forEach((m) => {
      m.dispose();
    });
  });
});

describe('save / load', () => {
  it('a model with every custom layer round-trips with identical outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'highway-save-'));
    try {
      const cfg = model({ 'model.depth': 6, 'model.widths': [12, 12, 24, 24, 12, 12], 'model.transition': 'pad', 'model.carry': 'independent' });
      // 24 → 12 is a shrink; make it subsample-able by using a second model for FeatureSubsample
      cfg.widths = [12, 12, 24, 24, 24, 24];
      const m = buildModel({ ...cfg, activation: 'tanh', gateBias: -1.5 }, { inputShape: [5], numClasses: 4 }, 3);
      const x = tf.randomUniform([7, 5], -1, 1, 'float32', 9);
      const before = (m.predict(x) as tf.Tensor).dataSync();
      await saveModel(m, join(dir, 'model'));
      const back = await loadModel(join(dir, 'model'));
      const after = (back.predict(x) as tf.Tensor).dataSync();
      expect(Array.from(after)).toEqual(Array.from(before));
      const hw = back.layers.find((l) => l instanceof HighwayDense)!;
      expect(hw.getConfig()).toMatchObject({ activation: 'tanh', gateBias: -1.5, carry: 'independent', carryBias: 2, kernelInitializer: cfg.init });
      expect(cfg.init).toBe('he_uniform'); // model.init auto, for the config's relu
      m.dispose();
      back.dispose();
      x.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('subsample layers and truncated weights', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'highway-save-'));
    try {
      const m = buildModel(model({ 'model.depth': 3, 'model.widths': [12, 12, 4], 'model.transition': 'subsample' }), { inputShape: [5], numClasses: 2 }, 3);
      const x = tf.randomUniform([3, 5], -1, 1, 'float32', 9);
      await saveModel(m, join(dir, 'm'));
      const back = await loadModel(join(dir, 'm'));
      expect(Array.from((back.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((m.predict(x) as tf.Tensor).dataSync()));
      writeFileSync(join(dir, 'm', 'weights.bin'), Buffer.alloc(10));
      await expect(loadModel(join(dir, 'm'))).rejects.toThrow(/truncated or corrupt/);
      await expect(loadModel(join(dir, 'nothing'))).rejects.toThrow(/no saved model/);
      m.dispose();
      back.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
