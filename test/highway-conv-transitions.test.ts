import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { FeaturePad, FeatureSubsample, HighwayConv2D } from '../src/layers/index.js';
import { Rng } from '../src/util/random.js';
import { act64, conv2dSame64, maxRelErr, sigmoid64 } from './helpers/reference.js';

const rand4 = (rng: Rng, a: number, b: number, c: number, d: number, s = 1): number[][][][] =>
  Array.from({ length: a }, () => Array.from({ length: b }, () => Array.from({ length: c }, () => Array.from({ length: d }, () => (rng.next() * 2 - 1) * s))));

describe('HighwayConv2D', () => {
  for (const carry of ['coupled', 'independent'] as const) {
    it(`matches a direct loop computation on a tiny input (${carry} carry)`, () => {
      const rng = new Rng(5);
      const C = 2;
      const k = 3;
      const x = rand4(rng, 2, 4, 5, C);
      const wh = rand4(rng, k, k, C, C, 0.5);
      const wt = rand4(rng, k, k, C, C, 0.5);
      const wc = rand4(rng, k, k, C, C, 0.5);
      const bh = [0.1, -0.2];
      const bt = [-1, -0.5];
      const bc = [0.7, 1.1];
      const layer = new HighwayConv2D({ kernelSize: k, activation: 'tanh', carry });
      layer.build([null, 4, 5, C]);
      const ws = carry === 'coupled' ? [wh, bh, wt, bt] : [wh, bh, wt, bt, wc, bc];
      layer.setWeights(ws.map((w) => tf.tensor(w)));
      const y = tf.tidy(() => (layer.apply(tf.tensor4d(x)) as tf.Tensor).arraySync()) as number[][][][];
      expect([y.length, y[0]!.length, y[0]![0]!.length, y[0]![0]![0]!.length]).toEqual([2, 4, 5, C]);

      const h = conv2dSame64(x, wh, bh);
      const t = conv2dSame64(x, wt, bt);
      const c = conv2dSame64(x, wc, bc);
      const want: number[] = [];
      for (const [n, img] of x.entries()) {
        for (const [i, row] of img.entries()) {
          for (const [j, px] of row.entries()) {
            for (const [ch, xv] of px.entries()) {
              const T = sigmoid64(t[n]![i]![j]![ch]!);
              const Cg = carry === 'coupled' ? 1 - T : sigmoid64(c[n]![i]![j]![ch]!);
              want.push(act64.tanh!(h[n]![i]![j]![ch]!) * T + xv * Cg);
            }
          }
        }
      }
      expect(maxRelErr(y.flat(3), want)).toBeLessThan(1e-5);
      layer.weights.forEach((w) => {
        w.dispose();
      });
    });
  }

  it('output shape = input shape; even kernels and non-image input are clear errors', () => {
    const layer = new HighwayConv2D({ kernelSize: 5 });
    expect(layer.computeOutputShape([null, 28, 28, 16])).toEqual([null, 28, 28, 16]);
    expect(() => new HighwayConv2D({ kernelSize: 4 })).toThrow(/kernelSize must be an odd positive integer/);
    expect(() => new HighwayConv2D().build([null, 28, 16])).toThrow(/expected input \[batch, height, width, channels\]/);
  });
});

describe('width transitions', () => {
  it('pad zero-extends the last axis', () => {
    const layer = new FeaturePad({ units: 5 });
    const y = tf.tidy(() => (layer.apply(tf.tensor2d([[1, 2, 3]])) as tf.Tensor).arraySync());
    expect(y).toEqual([[1, 2, 3, 0, 0]]);
    expect(() => layer.computeOutputShape([null, 6])).toThrow(/cannot shrink width 6 to 5/);
  });

  it('subsample keeps units 0, k, 2k, … (also on image channels)', () => {
    const layer = new FeatureSubsample({ units: 2 });
    const y = tf.tidy(() => (layer.apply(tf.tensor2d([[10, 11, 12, 13, 14, 15]])) as tf.Tensor).arraySync());
    expect(y).toEqual([[10, 13]]);
    const img = tf.tidy(() => (layer.apply(tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 2, 4])) as tf.Tensor).arraySync());
    expect(img).toEqual([
      [
        [
          [1, 3],
          [5, 7],
        ],
      ],
    ]);
    expect(() => layer.computeOutputShape([null, 5])).toThrow(/must divide/);
  });

  it('subsample has a gradient on this backend (slice, not gather)', () => {
    const layer = new FeatureSubsample({ units: 2 });
    const g = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => tf.sum(layer.apply(x) as tf.Tensor))(tf.ones([1, 4]))
        .arraySync(),
    );
    expect(g).toEqual([[1, 0, 1, 0]]);
  });
});
