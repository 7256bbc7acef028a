import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { XMLValidator } from 'fast-xml-parser';
import { resolveConfig } from '../src/config/index.js';
import { buildModel } from '../src/model/index.js';
import { analyzeModel } from '../src/analyze/gates.js';
import { analyzeRun } from '../src/analyze/run.js';
import { ANALYSIS_FILES } from '../src/analyze/write.js';
import { executeRun } from '../src/runs/run.js';
import { initBackend } from '../src/backend/index.js';
import { loadDataset } from '../src/data/index.js';
import { Rng } from '../src/util/random.js';
import { act64, affine, highwayDense64, randMat, randVec, sigmoid64 } from './helpers/reference.js';
import { STACK_LINE, highway } from './helpers/cli.js';

const model = (over: Record<string, unknown>) => resolveConfig(new Map(Object.entries(over))).model;
const data = () => loadDataset({ name: 'synthetic', trainSize: 64, testSize: 16 }, 1);

describe('gate analysis', () => {
  it('lesioning a layer with gate bias −30 changes nothing (< 1e-6); with +30 it changes the output', () => {
    const ds = data();
    for (const [bias, changes] of [
      [-30, false],
      [30, true],
    ] as const) {
      const m = buildModel(model({ 'model.depth': 3, 'model.width': 8, 'model.gateBias': bias }), ds, 1);
      const a = analyzeModel(m, ds.train, ds.train, ds.inputShape, ds.numClasses);
      for (const l of a.lesion) {
        if (changes) expect(Math.abs(l.loss - a.base.loss)).toBeGreaterThan(1e-3);
        else expect(Math.abs(l.loss - a.base.loss)).toBeLessThan(1e-6);
      }
      m.dispose();
    }
  });

  it('lesioning an independent-carry layer makes it the identity: the loss of the net without that layer', () => {
    const ds = data();
    const m = buildModel(model({ 'model.depth': 3, 'model.width': 8, 'model.carry': 'independent', 'model.gateBias': -1, 'model.carryBias': -1 }), ds, 1);
    const a = analyzeModel(m, ds.train, ds.train, ds.inputShape, ds.numClasses);
    // the second computation: the chain by hand, skipping highway layer g (y = x), in float64 after the first layer
    const X = Array.from({ length: ds.train.n }, (_, i) => Array.from(ds.train.x.subarray(i * 16, (i + 1) * 16)));
    const w = m.getWeights().map((t) => Array.from(t.dataSync()));
    const shapes = m.getWeights().map((t) => t.shape);
    const mat = (k: number) => Array.from({ length: shapes[k]![0]! }, (_, r) => w[k]!.slice(r * shapes[k]![1]!, (r + 1) * shapes[k]![1]!));
    const lossSkipping = (skip: number) => {
      let h = affine(X, mat(0), w[1]!).map((r) => r.map(act64.relu!));
      for (let g = 0; g < 2; g++) {
        if (g === skip) continue;
        const k = 2 + 6 * g; // W_H, b_H, W_T, b_T, W_C, b_C
        const H = affine(h, mat(k), w[k + 1]!).map((r) => r.map(act64.relu!));
        const T = affine(h, mat(k + 2), w[k + 3]!).map((r) => r.map(sigmoid64));
        const C = affine(h, mat(k + 4), w[k + 5]!).map((r) => r.map(sigmoid64));
        h = h.map((r, i) => r.map((x, u) => H[i]![u]! * T[i]![u]! + x * C[i]![u]!));
      }
      const z = affine(h, mat(14), w[15]!);
      return (
        z.reduce((s, r, i) => {
          const mx = Math.max(...r);
          const lse = mx + Math.log(r.reduce((t, v) => t + Math.exp(v - mx), 0));
          return s + lse - r[ds.train.y[i]!]!;
        }, 0) / z.length
      );
    };
    expect(a.base.loss).toBeCloseTo(lossSkipping(-1), 5);
    a.lesion.forEach((l, g) => {
      expect(l.loss, `layer ${g + 1}`).toBeCloseTo(lossSkipping(g), 5);
    });
    expect(Math.abs(a.lesion[0]!.loss - a.base.loss)).toBeGreaterThan(1e-4);
    m.dispose();
  });

  it('statistics equal a direct float64 computation on a tiny hand-built net', () => {
    const rng = new Rng(8);
    const n = 4;
    const ds = data();
    const m = buildModel(model({ 'model.depth': 3, 'model.width': n, 'model.activation': 'tanh' }), ds, 1);
    // hand-set weights: dense_0 [16→4], highway_1, highway_2, logits [4→4]
    const w0 = randMat(rng, 16, n, 0.5);
    const b0 = randVec(rng, n, 0.1);
    const hw = [0, 1].map(() => ({ wh: randMat(rng, n, n), bh: randVec(rng, n, 0.2), wt: randMat(rng, n, n), bt: randVec(rng, n, 1) }));
    const wl = randMat(rng, n, 4);
    const bl = randVec(rng, 4);
    m.setWeights([w0, b0, ...hw.flatMap((p) => [p.wh, p.bh, p.wt, p.bt]), wl, bl].map((w) => tf.tensor(w)));
    const a = analyzeModel(m, ds.train, ds.train, ds.inputShape, ds.numClasses, 16);

    // float64: the chain, sample by sample
    const X = Array.from({ length: ds.train.n }, (_, i) => Array.from(ds.train.x.subarray(i * 16, (i + 1) * 16)));
    let h = affine(X, w0, b0).map((r) => r.map(act64.tanh!));
    hw.forEach((p, l) => {
      const t = affine(h, p.wt, p.bt).map((r) => r.map(sigmoid64));
      const y = highwayDense64(h, p, 'tanh');
      const all = t.flat();
      const mean = all.reduce((s, v) => s + v, 0) / all.length;
      const std = Math.sqrt(all.reduce((s, v) => s + (v - mean) ** 2, 0) / all.length);
      const unitMeans = Array.from({ length: n }, (_, u) => t.reduce((s, r) => s + r[u]!, 0) / t.length);
      const abs = y.flat().reduce((s, v, k) => s + Math.abs(v - h.flat()[k]!), 0) / all.length;
      const row = a.rows[l]!;
      expect(row.gateMean).toBeCloseTo(mean, 5);
      expect(row.gateStd).toBeCloseTo(std, 5);
      expect(row.fracOpen).toBe(unitMeans.filter((v) => v > 0.5).length / n);
      expect(row.meanAbsChange).toBeCloseTo(abs, 5);
      expect(row.biasMean).toBeCloseTo(p.bt.reduce((s, v) => s + v, 0) / n, 6);
      a.unitMeans[l]!.forEach((v, u) => {
        expect(v).toBeCloseTo(unitMeans[u]!, 5);
      });
      a.sample[l]!.forEach((v, u) => {
        expect(v).toBeCloseTo(t[0]![u]!, 5);
      });
      // per class and unit: that unit's mean over the class minus its mean over all samples
      const classUnitMean = (c: number, u: number) => {
        const rows = t.filter((_, i) => ds.train.y[i] === c);
        return rows.reduce((s, r) => s + r[u]!, 0) / rows.length;
      };
      expect(a.perClass[l]).toHaveLength(ds.numClasses);
      a.perClass[l]!.forEach((units, c) => {
        expect(units).toHaveLength(n);
        units.forEach((v, u) => {
          expect(v).toBeCloseTo(classUnitMean(c, u) - unitMeans[u]!, 5);
        });
      });
      h = y;
    });
    m.dispose();
  });
});

describe('highway analyze on run folders', () => {
  it('writes CSVs with one row per highway layer and well-formed SVGs', async () => {
    const backend = await initBackend('auto');
    const dir = mkdtempSync(join(tmpdir(), 'analyze-'));
    const cfg = resolveConfig(
      new Map<string, unknown>([
        ['dataset.name', 'synthetic'],
        ['dataset.trainSize', 64],
        ['dataset.testSize', 16],
        ['model.depth', 5],
        ['model.width', 6],
        ['train.epochs', 1],
      ]),
    );
    await executeRun(cfg, { out: join(dir, 'run'), force: false, backend });
    const { files } = await analyzeRun(join(dir, 'run'), { samples: 40 });
    expect(files.map((f) => f.split('/').pop())).toEqual([...ANALYSIS_FILES]);
    const lines = (f: string) =>
      readFileSync(join(dir, 'run', 'analysis', f), 'utf8')
        .trim()
        .split('\n');
    expect(lines('gates.csv')[0]).toBe('layer,name,bias_mean,gate_mean,gate_std,frac_units_open,mean_abs_change');
    for (const f of ['gates.csv', 'gate-sample.csv', 'lesion.csv']) expect(lines(f).length, f).toBe(1 + 4);
    expect(lines('gate-sample.csv')[0]!.split(',').length).toBe(2 + 6);
    // long form: 4 highway layers × 6 units × 4 classes, and each delta = mean_t − that unit's overall mean
    expect(lines('per-class.csv')[0]).toBe('layer,unit,class,mean_t,delta');
    expect(lines('per-class.csv')).toHaveLength(1 + 4 * 6 * 4);
    const rows = lines('per-class.csv')
      .slice(1)
      .map((l) => l.split(',').map(Number));
    for (let layer = 1; layer <= 4; layer++) {
      for (let unit = 0; unit < 6; unit++) {
        const cell = rows.filter((r) => r[0] === layer && r[1] === unit);
        const overall = cell[0]![3]! - cell[0]![4]!;
        for (const r of cell) expect(r[3]! - r[4]!).toBeCloseTo(overall, 6);
        // 40 class-balanced samples, 10 per class: the overall mean is the mean of the class means
        expect(cell.reduce((s, r) => s + r[3]!, 0) / cell.length).toBeCloseTo(overall, 6);
      }
    }
    for (const f of ['gates.svg', 'per-class.svg', 'lesion.svg'])
      expect(XMLValidator.validate(readFileSync(join(dir, 'run', 'analysis', f), 'utf8')), f).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('bad input: no model, a plain net, not a run folder → one message, exit 2', async () => {
    const backend = await initBackend('auto');
    const dir = mkdtempSync(join(tmpdir(), 'analyze-bad-'));
    const base: Array<[string, unknown]> = [
      ['dataset.name', 'synthetic'],
      ['dataset.trainSize', 32],
      ['dataset.testSize', 8],
      ['model.depth', 2],
      ['train.epochs', 0],
    ];
    await executeRun(resolveConfig(new Map([...base, ['model.type', 'plain']])), { out: join(dir, 'plain'), force: false, backend });
    await executeRun(resolveConfig(new Map([...base, ['model.type', 'residual']])), { out: join(dir, 'residual'), force: false, backend });
    await executeRun(resolveConfig(new Map(base)), { out: join(dir, 'nomodel'), force: false, backend });
    rmSync(join(dir, 'nomodel', 'model'), { recursive: true });
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'plain'), /is a plain net: its plain layers have no gates to analyze/],
      [join(dir, 'residual'), /is a residual net: its residual blocks have no gates to analyze/],
      [join(dir, 'nomodel'), /has no saved model/],
      [dir, /is not a run folder/],
    ];
    for (const [arg, msg] of cases) {
      const r = highway(['analyze', arg]);
      expect(r.code, arg).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(STACK_LINE);
      // said before the backend loads: the message is all there is
      expect(r.stderr.trim().split('\n'), arg).toHaveLength(1);
    }
  });
});

describe('gate analysis of a convolutional highway net', () => {
  it('averages gate outputs over spatial positions (float64 convolution as the second computation)', async () => {
    const tfl = await import('@tensorflow/tfjs-layers');
    const { HighwayConv2D } = await import('../src/layers/index.js');
    const { conv2dSame64 } = await import('./helpers/reference.js');
    const rng = new Rng(12);
    const C = 2;
    const input = tfl.input({ shape: [4, 4, C] });
    const hc = new HighwayConv2D({ kernelSize: 3, activation: 'relu', name: 'highway_1' });
    let z = hc.apply(input) as ReturnType<typeof tfl.input>;
    z = tfl.layers.flatten().apply(z) as typeof z;
    const logits = tfl.layers.dense({ units: 3, name: 'logits' }).apply(z) as typeof z;
    const probs = tfl.layers.activation({ activation: 'softmax', name: 'softmax' }).apply(logits) as typeof z;
    const m = tfl.model({ inputs: input, outputs: probs });
    const r4 = (a: number, b: number, c: number, d: number) =>
      Array.from({ length: a }, () => Array.from({ length: b }, () => Array.from({ length: c }, () => randVec(rng, d))));
    const wt = r4(3, 3, C, C);
    const bt = [-0.5, 0.3];
    hc.setWeights([tf.tensor(r4(3, 3, C, C)), tf.tensor1d([0, 0]), tf.tensor(wt), tf.tensor1d(bt)]);
    const n = 6;
    const xs = r4(n, 4, 4, C);
    const split = { x: Float32Array.from(xs.flat(3)), y: Int32Array.from({ length: n }, (_, i) => i % 3), n };
    const a = analyzeModel(m, split, split, [4, 4, C], 3);
    // float64: T per sample and channel, averaged over the 4×4 positions
    const t = conv2dSame64(xs, wt, bt).map((img) => Array.from({ length: C }, (_, c) => img.flat().reduce((s, px) => s + sigmoid64(px[c]!), 0) / 16));
    const unitMeans = Array.from({ length: C }, (_, c) => t.reduce((s, r) => s + r[c]!, 0) / n);
    a.unitMeans[0]!.forEach((v, c) => {
      expect(v).toBeCloseTo(unitMeans[c]!, 5);
    });
    a.sample[0]!.forEach((v, c) => {
      expect(v).toBeCloseTo(t[0]![c]!, 5);
    });
    expect(a.rows[0]!.gateMean).toBeCloseTo((unitMeans[0]! + unitMeans[1]!) / 2, 5);
    expect(a.lesion.length).toBe(1);
    m.dispose();
  });
});
