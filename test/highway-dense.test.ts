import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { HighwayDense } from '../src/layers/index.js';
import { ACTIVATIONS, CARRIES } from '../src/config/schema.js';
import { Rng } from '../src/util/random.js';
import { act64, affine, finiteDiff, highwayDense64, maxRelErr, randMat, randVec, type DenseParams, type Mat } from './helpers/reference.js';

const N = 6;
const B = 5;

function makeCase(seed: number, carry: string, gateBias = -1): { x: Mat; p: DenseParams; r: Mat } {
  const rng = new Rng(seed);
  const p: DenseParams = {
    wh: randMat(rng, N, N, 0.8),
    bh: randVec(rng, N, 0.3),
    wt: randMat(rng, N, N, 0.8),
    bt: randVec(rng, N, 0.3).map((v) => v + gateBias),
  };
  if (carry === 'independent') {
    p.wc = randMat(rng, N, N, 0.8);
    p.bc = randVec(rng, N, 0.3).map((v) => v + 1);
  }
  return { x: randMat(rng, B, N, 1.5), p, r: randMat(rng, B, N, 1) };
}

function layerWith(activation: string, carry: string, p: DenseParams, gateBias = -2): HighwayDense {
  const layer = new HighwayDense({ activation: activation as never, carry: carry as never, gateBias });
  layer.build([null, N]);
  const ws = [p.wh, p.bh, p.wt, p.bt, ...(p.wc && p.bc ? [p.wc, p.bc] : [])];
  layer.setWeights(ws.map((w) => tf.tensor(w)));
  return layer;
}

function free(layer: HighwayDense): void {
  layer.weights.forEach((w) => {
    w.dispose();
  });
}

function apply(layer: HighwayDense, x: Mat): Float32Array {
  return tf.tidy(() => (layer.apply(tf.tensor2d(x)) as tf.Tensor).dataSync() as Float32Array);
}

describe('HighwayDense forward', () => {
  for (const carry of CARRIES) {
    for (const activation of ACTIVATIONS) {
      it(`matches the float64 formula (${activation}, ${carry} carry)`, () => {
        const { x, p } = makeCase(11, carry);
        const layer = layerWith(activation, carry, p);
        const got = apply(layer, x);
        const want = highwayDense64(x, p, activation).flat();
        expect(maxRelErr(got, want)).toBeLessThan(1e-5);
        free(layer);
      });
    }
  }

  it('starts with b_T = gateBias and b_C = carryBias, zero b_H', () => {
    const layer = new HighwayDense({ gateBias: -3.5, carry: 'independent', carryBias: 1.25 });
    layer.build([null, 4]);
    const [, bh, , bt, , bc] = layer.getWeights().map((w) => Array.from(w.dataSync()));
    expect(bh).toEqual([0, 0, 0, 0]);
    expect(bt).toEqual([-3.5, -3.5, -3.5, -3.5]);
    expect(bc).toEqual([1.25, 1.25, 1.25, 1.25]);
    free(layer);
  });

  it('gateBias −30 gives the identity (T ≈ 1e−13)', () => {
    const { x, p } = makeCase(12, 'coupled', 0);
    p.bt = p.bt.map(() => -30);
    const layer = layerWith('tanh', 'coupled', p);
    const got = apply(layer, x);
    expect(maxRelErr(got, x.flat())).toBeLessThan(1e-6);
    free(layer);
  });

  it('gateBias +30 gives H(x) exactly (to float precision)', () => {
    const { x, p } = makeCase(13, 'coupled', 0);
    p.bt = p.bt.map(() => 30);
    const layer = layerWith('relu', 'coupled', p);
    const got = apply(layer, x);
    const h = affine(x, p.wh, p.bh).flatMap((r) => r.map(act64.relu!));
    expect(maxRelErr(got, h)).toBeLessThan(1e-6);
    free(layer);
  });

  it('keeps the input shape and rejects non-2-D input with a clear message', () => {
    const layer = new HighwayDense();
    expect(layer.computeOutputShape([null, 7])).toEqual([null, 7]);
    expect(() => layer.build([null, 3, 7])).toThrow(/expected input \[batch, units\]/);
  });

  it('rejects a non-finite gate bias and an unknown activation', () => {
    expect(() => new HighwayDense({ gateBias: Number.NaN })).toThrow(/gateBias must be a finite number/);
    expect(() => new HighwayDense({ activation: 'swish' as never })).toThrow(/activation must be one of/);
  });
});

describe('HighwayDense gradients match central finite differences of the float64 formula', () => {
  for (const carry of CARRIES) {
    for (const activation of ACTIVATIONS) {
      it(`input and every weight (${activation}, ${carry})`, () => {
        const { x, p, r } = makeCase(21, carry);
        const layer = layerWith(activation, carry, p);
        const loss64 = () => {
          const y = highwayDense64(x, p, activation);
          return y.reduce((s, row, i) => s + row.reduce((t, v, j) => t + v * r[i]![j]!, 0), 0);
        };
        const R = tf.tensor2d(r);
        const lossOf = (xt: tf.Tensor) => tf.sum(tf.mul(layer.apply(xt) as tf.Tensor, R)) as tf.Scalar;

        // input
        const gx = tf.tidy(() => tf.grad(lossOf)(tf.tensor2d(x)).dataSync());
        const fdx = x.flatMap((row) => finiteDiff(loss64, row));
        expect(maxRelErr(gx, fdx)).toBeLessThan(2e-4);

        // every weight, in the layer's weight order
        const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
        const { grads } = tf.variableGrads(() => lossOf(tf.tensor2d(x)), vars);
        const mats = [p.wh, [p.bh], p.wt, [p.bt], ...(p.wc && p.bc ? [p.wc, [p.bc]] : [])];
        expect(vars.length).toBe(mats.length);
        vars.forEach((v, i) => {
          const fd = mats[i]!.flatMap((row) => finiteDiff(loss64, row));
          expect(maxRelErr(grads[v.name]!.dataSync(), fd), v.name).toBeLessThan(2e-4);
        });
        tf.dispose([R, ...Object.values(grads)]);
        free(layer);
      });
    }
  }
});
