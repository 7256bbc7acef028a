/**
 * Residual blocks and the residual kinds. Expected values from a float64 re-implementation of the
 * three block forms and central finite differences; parameter counts by hand.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ResidualDense, RESIDUAL_FORMS } from '../src/layers/index.js';
import { resolveConfig } from '../src/config/index.js';
import { buildModel, countParams } from '../src/model/index.js';
import { loadModel, saveModel } from '../src/runs/model-io.js';
import { Rng } from '../src/util/random.js';
import { act64, affine, finiteDiff, maxRelErr, randMat, randVec, type Mat } from './helpers/reference.js';

const N = 5;
const B = 4;

/** The three forms, float64: F(x) = W2·act(W1·x' + b1) + b2 with x' = act(x) for pre. */
function residual64(x: Mat, p: { w1: Mat; b1: number[]; w2: Mat; b2: number[] }, act: (v: number) => number, form: string): Mat {
  const input = form === 'pre' ? x.map((r) => r.map(act)) : x;
  const h = affine(input, p.w1, p.b1).map((r) => r.map(act));
  const f = affine(h, p.w2, p.b2);
  const y = x.map((r, i) => r.map((v, j) => v + f[i]![j]!));
  return form === 'post' ? y.map((r) => r.map(act)) : y;
}

function makeCase(seed: number) {
  const rng = new Rng(seed);
  const p = { w1: randMat(rng, N, N, 0.8), b1: randVec(rng, N, 0.3), w2: randMat(rng, N, N, 0.8), b2: randVec(rng, N, 0.3) };
  return { x: randMat(rng, B, N, 1.5), p, r: randMat(rng, B, N, 1) };
}

function layerWith(form: string, activation: string, p: ReturnType<typeof makeCase>['p']): ResidualDense {
  const layer = new ResidualDense({ form: form as never, activation: activation as never });
  layer.build([null, N]);
  layer.setWeights([p.w1, p.b1, p.w2, p.b2].map((w) => tf.tensor(w)));
  return layer;
}

describe('ResidualDense', () => {
  for (const form of RESIDUAL_FORMS) {
    for (const activation of ['relu', 'tanh'] as const) {
      it(`forward and every gradient match the float64 formula and finite differences (${form}, ${activation})`, () => {
        const { x, p, r } = makeCase(3);
        const layer = layerWith(form, activation, p);
        const y = tf.tidy(() => (layer.apply(tf.tensor2d(x)) as tf.Tensor).dataSync());
        expect(maxRelErr(y, residual64(x, p, act64[activation]!, form).flat())).toBeLessThan(1e-5);
        const loss64 = () => residual64(x, p, act64[activation]!, form).reduce((s, row, i) => s + row.reduce((t, v, j) => t + v * r[i]![j]!, 0), 0);
        const R = tf.tensor2d(r);
        const lossOf = (xt: tf.Tensor) => tf.sum(tf.mul(layer.apply(xt) as tf.Tensor, R)) as tf.Scalar;
        const gx = tf.tidy(() => tf.grad(lossOf)(tf.tensor2d(x)).dataSync());
        expect(
          maxRelErr(
            gx,
            x.flatMap((row) => finiteDiff(loss64, row)),
          ),
        ).toBeLessThan(2e-4);
        const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
        const { grads } = tf.variableGrads(() => lossOf(tf.tensor2d(x)), vars);
        [p.w1, [p.b1], p.w2, [p.b2]].forEach((m, i) => {
          expect(
            maxRelErr(
              grads[vars[i]!.name]!.dataSync(),
              m.flatMap((row) => finiteDiff(loss64, row)),
            ),
            vars[i]!.name,
          ).toBeLessThan(2e-4);
        });
        tf.dispose([R, ...Object.values(grads)]);
        layer.weights.forEach((w) => {
          w.dispose();
        });
      });
    }
  }

  it('Fixup start: W2 = 0 makes a post block act(x), an identity block x; W1 is scaled', () => {
    const layer = new ResidualDense({ form: 'identity', zeroInitLast: true, initScale: 0.5, seed: 4 });
    layer.build([null, N]);
    const plain = new ResidualDense({ form: 'identity', seed: 4 });
    plain.build([null, N]);
    const x = tf.tensor2d(makeCase(5).x);
    expect(Array.from((layer.apply(x) as tf.Tensor).dataSync())).toEqual(Array.from(x.dataSync()));
    const [w1, , w2] = layer.getWeights().map((w) => Array.from(w.dataSync()));
    const [w1plain] = plain.getWeights().map((w) => Array.from(w.dataSync()));
    expect(w2!.every((v) => v === 0)).toBe(true);
    w1!.forEach((v, i) => {
      expect(v).toBeCloseTo(0.5 * w1plain![i]!, 6);
    });
    tf.dispose([x]);
  });
});

const model = (over: Record<string, unknown>) => resolveConfig(new Map(Object.entries(over))).model;

describe('residual kinds', () => {
  it('a residual block has 2·(50·50 + 50) = 5,100 parameters, a highway layer 5,100, a plain one 71·71 + 71 = 5,112', () => {
    const per = { plain: 71 * 71 + 71, highway: 2 * (50 * 50 + 50), residual: 2 * (50 * 50 + 50) };
    expect([per.plain, per.highway, per.residual]).toEqual([5112, 5100, 5100]);
    for (const [type, n] of Object.entries(per)) {
      const m = buildModel(model({ 'model.type': type, 'model.depth': 20 }), { inputShape: [784], numClasses: 10 }, 1);
      const stack = m.layers.slice(2, -2).reduce((s, l) => s + l.countParams(), 0);
      expect(stack, type).toBe(19 * n);
      // whole net: 784 → w plain, the stack, w → 10 logits
      const w = type === 'plain' ? 71 : 50;
      expect(countParams(m)).toBe(784 * w + w + 19 * n + w * 10 + 10);
      expect(Math.abs(stack / (19 * per.highway) - 1)).toBeLessThan(0.02);
      m.dispose();
    }
  });

  it('transitions behave as for highway: project a plain layer, pad and subsample without weights', () => {
    const data = { inputShape: [8], numClasses: 3 };
    const proj = buildModel(model({ 'model.type': 'residual', 'model.depth': 3, 'model.widths': [40, 40, 20] }), data, 1);
    expect(proj.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'Dense', 'ResidualDense', 'Dense', 'Dense', 'Activation']);
    expect(countParams(proj)).toBe(8 * 40 + 40 + 2 * (40 * 40 + 40) + (40 * 20 + 20) + 20 * 3 + 3);
    const pad = buildModel(model({ 'model.type': 'residual', 'model.depth': 3, 'model.widths': [20, 20, 30], 'model.transition': 'pad' }), data, 1);
    expect(pad.layers.map((l) => l.getClassName())).toContain('FeaturePad');
    expect(countParams(pad)).toBe(8 * 20 + 20 + 2 * 420 + 2 * (900 + 30) + 30 * 3 + 3);
    const sub = buildModel(model({ 'model.type': 'residual', 'model.depth': 3, 'model.widths': [40, 40, 20], 'model.transition': 'subsample' }), data, 1);
    expect(sub.layers.map((l) => l.getClassName())).toContain('FeatureSubsample');
    [proj, pad, sub].forEach((m) => {
      m.dispose();
    });
  });

  it('the config records the init: fixup by default (He × (depth − 1)^(−1/2), zero second layer), standard on request', () => {
    const m = model({ 'model.type': 'residual', 'model.depth': 5 });
    expect([m.residualInit, m.residualForm, m.width]).toEqual(['fixup', 'post', 50]);
    const net = buildModel(m, { inputShape: [8], numClasses: 3 }, 1);
    const block = net.layers.find((l) => l instanceof ResidualDense) as ResidualDense;
    expect(block.getConfig()).toMatchObject({ form: 'post', kernelInitializer: 'he_uniform', zeroInitLast: true });
    expect(block.initScale).toBeCloseTo(0.5, 12); // 4 blocks: 4^(−1/2)
    const std = buildModel(model({ 'model.type': 'residual', 'model.depth': 5, 'model.residualInit': 'standard' }), { inputShape: [8], numClasses: 3 }, 1);
    expect((std.layers.find((l) => l instanceof ResidualDense) as ResidualDense).getConfig()).toMatchObject({
      kernelInitializer: 'he_uniform', // model.init: auto → He for relu
      zeroInitLast: false,
      initScale: 1,
    });
    [net, std].forEach((x) => {
      x.dispose();
    });
  });

  it('a residual net (dense and conv) round-trips through save and load with identical outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'residual-save-'));
    try {
      for (const [type, shape] of [
        ['residual', [6]],
        ['residual-conv', [9, 9, 1]],
      ] as const) {
        const m = buildModel(
          model({
            'model.type': type,
            'model.depth': 4,
            'model.width': 4,
            'model.residualInit': 'standard',
            ...(type === 'residual-conv' ? { 'model.convBlocks': [1, 1] } : {}),
          }),
          { inputShape: [...shape], numClasses: 3 },
          2,
        );
        const x = tf.randomUniform([3, ...shape], -1, 1, 'float32', 7);
        const before = Array.from((m.predict(x) as tf.Tensor).dataSync());
        await saveModel(m, join(dir, type));
        const back = await loadModel(join(dir, type));
        expect(Array.from((back.predict(x) as tf.Tensor).dataSync()), type).toEqual(before);
        [m, back].forEach((n) => {
          n.dispose();
        });
        x.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
