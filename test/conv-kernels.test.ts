/**
 * The conv nets' kernels (src/backend/conv-kernels.ts, wasm-conv-fixes.ts; on wasm the SIMD
 * module simd/conv.wat, Winograd F(4×4, 3×3)) and the generic path (TF.js ops, fast paths off),
 * each held to float64 computations written from the definitions (helpers/conv-reference.ts)
 * and the layer's gradients also to central finite differences of the float64 formula.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers the ops' gradients
import { setFastPaths } from '../src/backend/fast-paths.js';
import { highwayConvCoupled } from '../src/layers/highway-conv2d.js';
import { winogradCalls } from '../src/backend/winograd-kernels.js';
import { allowConvFma } from '../src/backend/conv-wasm.js';
import { convProductsFused } from '../src/backend/simd/conv-simd.js';
import { ACTIVATIONS } from '../src/config/schema.js';
import { Rng } from '../src/util/random.js';
import { conv64, convGrads64, highwayConv64, highwayConvGrads64, maxPoolGrad64, type Conv, type HighwayConvParams } from './helpers/conv-reference.js';
import { finiteDiff, maxRelErr } from './helpers/reference.js';

const onWasm = () => tf.getBackend() === 'wasm';
/** Both paths on wasm (the SIMD kernels, then TF.js ops); the ops path elsewhere. */
const paths = () => (onWasm() ? [true, false] : [false]);
/** On wasm the module's products with fused multiply-adds (Node 20: relaxed SIMD behind a flag the loader sets) and without. */
const productModules = () => (onWasm() ? [true, false] : [true]);

afterEach(() => {
  setFastPaths(true);
  allowConvFma(true);
});

/** Random values that float32 holds exactly, so both sides start from the same numbers. */
const rand = (rng: Rng, n: number, scale = 1, shift = 0) => Float64Array.from({ length: n }, () => Math.fround((rng.next() * 2 - 1) * scale + shift));
const f32 = (a: ArrayLike<number>) => Float32Array.from(a);

/** Largest |a − b| over the largest |b|: the kernels' Winograd sums round differently from a direct sum. */
const relToMax = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let err = 0;
  let top = 1e-12;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    top = Math.max(top, Math.abs(b[i]!));
  }
  return err / top;
};

function layerCase(seed: number, batch: number, s: number, c: number) {
  const rng = new Rng(seed);
  const conv: Conv = { batch, h: s, w: s, cin: c, cout: c, k: 3, pad: 1 };
  const p: HighwayConvParams = { wh: rand(rng, 9 * c * c, 0.4), bh: rand(rng, c, 0.3), wt: rand(rng, 9 * c * c, 0.4), bt: rand(rng, c, 0.5, -1) };
  return { conv, p, x: rand(rng, batch * s * s * c, 1.5), dy: rand(rng, batch * s * s * c) };
}

/** The op's output and every gradient of Σ dy·y, as float32 arrays. */
function runOp(activation: string, { conv, p, x, dy }: ReturnType<typeof layerCase>) {
  return tf.tidy(() => {
    const shape4 = [conv.batch, conv.h, conv.w, conv.cin];
    const args = [
      tf.tensor4d(f32(x), shape4 as never),
      tf.tensor4d(f32(p.wh), [3, 3, conv.cin, conv.cout]),
      tf.tensor1d(f32(p.bh)),
      tf.tensor4d(f32(p.wt), [3, 3, conv.cin, conv.cout]),
      tf.tensor1d(f32(p.bt)),
    ];
    const op = highwayConvCoupled(activation as never);
    const f = (...a: tf.Tensor[]) => tf.sum(tf.mul(op(...(a as Parameters<typeof op>)), tf.tensor4d(f32(dy), shape4 as never)));
    const y = op(...(args as Parameters<typeof op>));
    const grads = tf.grads(f)(args);
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

describe('coupled highway conv layer: the SIMD kernels (wasm) and the ops path equal the float64 formula', () => {
  // sizes with partial 4×4 tiles (1, 3, 5, 6, 7, 9) and whole ones (4, 8); C = 8 and 16
  const cases: Array<[number, number, number]> = [
    [2, 4, 8],
    [3, 7, 8],
    [1, 5, 16],
    [2, 6, 8],
    [1, 9, 8],
    [2, 1, 8],
    [1, 3, 16],
    [2, 8, 16],
  ];
  cases.forEach(([batch, s, c], n) => {
    const activation = ACTIVATIONS[n % ACTIVATIONS.length]!;
    it(`batch ${batch}, ${s}×${s}×${c}, ${activation}: y and dx, dW_H, db_H, dW_T, db_T`, () => {
      const k = layerCase(100 + n, batch, s, c);
      const want = highwayConv64(k.conv, k.x, k.p, activation);
      const grads = highwayConvGrads64(k.conv, k.x, k.p, activation, k.dy);
      for (const [fast, fma] of paths().flatMap((f) => (f ? productModules().map((m) => [f, m] as const) : [[f, true] as const]))) {
        setFastPaths(fast);
        allowConvFma(fma);
        expect(tf.getKernel('HighwayConv2D', tf.getBackend()) !== undefined, 'the SIMD kernels are registered exactly on wasm with fast paths').toBe(fast);
        runOp(activation, k); // first use makes the ops path's kept constant
        const before = tf.memory().numTensors;
        const [y, dx, dwh, dbh, dwt, dbt] = runOp(activation, k);
        expect(tf.memory().numTensors, 'no tensor left behind').toBe(before);
        if (fast) expect(convProductsFused, 'which products run').toBe(fma);
        const tol = fast ? 5e-5 : 1e-5;
        expect(relToMax(y!, want.y), `y (fast paths ${fast}, fused multiply-adds ${fma})`).toBeLessThan(tol);
        expect(relToMax(dx!, grads.dx), 'dx').toBeLessThan(tol);
        expect(relToMax(dwh!, grads.dwh), 'dW_H').toBeLessThan(tol);
        expect(relToMax(dbh!, grads.dbh), 'db_H').toBeLessThan(tol);
        expect(relToMax(dwt!, grads.dwt), 'dW_T').toBeLessThan(tol);
        expect(relToMax(dbt!, grads.dbt), 'db_T').toBeLessThan(tol);
      }
    });
  });

  it('the float64 gradients (and so the kernels) agree with central finite differences of the formula', () => {
    const k = layerCase(7, 1, 5, 8);
    const activation = 'tanh';
    const loss = () => highwayConv64(k.conv, k.x, k.p, activation).y.reduce((s, v, i) => s + v * k.dy[i]!, 0);
    const g = highwayConvGrads64(k.conv, k.x, k.p, activation, k.dy);
    const rng = new Rng(3);
    const pick = (n: number) => Array.from({ length: 12 }, () => rng.int(n));
    for (const [name, values, grad] of [
      ['x', k.x, g.dx],
      ['W_H', k.p.wh, g.dwh],
      ['b_H', k.p.bh, g.dbh],
      ['W_T', k.p.wt, g.dwt],
      ['b_T', k.p.bt, g.dbt],
    ] as const) {
      const at = pick(values.length);
      const v = Array.from(values);
      const numeric = finiteDiff(
        () => {
          (values as Float64Array).set(v);
          return loss();
        },
        v,
        1e-6,
      ).filter((_, i) => at.includes(i));
      (values as Float64Array).set(v);
      const analytic = Array.from(grad).filter((_, i) => at.includes(i));
      expect(maxRelErr(analytic, numeric), name).toBeLessThan(1e-6);
    }
    for (const fast of paths()) {
      setFastPaths(fast);
      const [, dx] = runOp(activation, k);
      expect(relToMax(dx!, g.dx)).toBeLessThan(5e-5);
    }
  });
});

describe('conv2d filter gradient (wasm: products of strided views of the padded input)', () => {
  const cases: Array<[string, Conv]> = [
    ['5×5 from one channel, same (the conv net’s first layer)', { batch: 3, h: 9, w: 9, cin: 1, cout: 16, k: 5, pad: 2 }],
    ['3×3 from 3 channels, valid, not square', { batch: 2, h: 7, w: 5, cin: 3, cout: 8, k: 3, pad: 0 }],
    ['3×3 from 16 channels, same', { batch: 2, h: 6, w: 6, cin: 16, cout: 16, k: 3, pad: 1 }],
  ];
  for (const [name, c] of cases) {
    it(`${name}: equals the float64 gradient on both paths`, () => {
      const rng = new Rng(c.cin * 7 + c.k);
      const x = rand(rng, c.batch * c.h * c.w * c.cin);
      const w = rand(rng, c.k * c.k * c.cin * c.cout, 0.5);
      const oh = c.h + 2 * c.pad - c.k + 1;
      const ow = c.w + 2 * c.pad - c.k + 1;
      const dy = rand(rng, c.batch * oh * ow * c.cout);
      const want = convGrads64(c, x, w, dy);
      for (const fast of paths()) {
        setFastPaths(fast);
        const got = tf.tidy(() => {
          const xt = tf.tensor4d(f32(x), [c.batch, c.h, c.w, c.cin]);
          const f = (wt: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2d(xt, wt as tf.Tensor4D, 1, c.pad === 0 ? 'valid' : 'same'), tf.tensor4d(f32(dy), [c.batch, oh, ow, c.cout])));
          return tf
            .grad(f)(tf.tensor4d(f32(w), [c.k, c.k, c.cin, c.cout]))
            .dataSync();
        });
        expect(relToMax(got, want.dw), `fast paths ${fast}`).toBeLessThan(1e-5);
      }
    });
  }
});

describe("3×3 'same' convolutions of TF.js ops (wasm: Winograd kernels for Conv2D, FusedConv2D and both gradients)", () => {
  const cases: Array<[string, Conv]> = [
    ['16 → 16 channels, 7×7 (a partial tile)', { batch: 2, h: 7, w: 7, cin: 16, cout: 16, k: 3, pad: 1 }],
    ['8 → 24 channels, 10×10', { batch: 3, h: 10, w: 10, cin: 8, cout: 24, k: 3, pad: 1 }],
    ['16 → 8 channels, 4×4', { batch: 1, h: 4, w: 4, cin: 16, cout: 8, k: 3, pad: 1 }],
  ];
  for (const [name, c] of cases) {
    it(`${name}: conv2d, fused conv2d with bias and relu, and the gradients of x and W equal float64`, () => {
      const rng = new Rng(c.cin + c.cout + c.h);
      const x = rand(rng, c.batch * c.h * c.w * c.cin);
      const w = rand(rng, 9 * c.cin * c.cout, 0.5);
      const bias = rand(rng, c.cout, 0.5);
      const dy = rand(rng, c.batch * c.h * c.w * c.cout);
      const y = conv64(c, x, w);
      const yFused = conv64(c, x, w, bias).map((v) => Math.max(0, v));
      const want = convGrads64(c, x, w, dy);
      const shape = [c.batch, c.h, c.w, c.cin] as [number, number, number, number];
      for (const [fast, fma] of paths().flatMap((f) => (f ? productModules().map((m) => [f, m] as const) : [[f, true] as const]))) {
        setFastPaths(fast);
        allowConvFma(fma);
        const before = winogradCalls();
        const [gotY, gotFused, dx, dw] = tf.tidy(() => {
          const xt = tf.tensor4d(f32(x), shape);
          const wt = tf.tensor4d(f32(w), [3, 3, c.cin, c.cout]);
          const fused = tf.fused.conv2d({ x: xt, filter: wt, strides: 1, pad: 'same', bias: tf.tensor1d(f32(bias)), activation: 'relu' });
          const f = (a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), tf.tensor4d(f32(dy), [c.batch, c.h, c.w, c.cout])));
          const [gx, gw] = tf.grads(f)([xt, wt]);
          return [tf.conv2d(xt, wt, 1, 'same'), fused, gx!, gw!].map((t) => t.dataSync());
        });
        // conv2d, fused conv2d, and inside tf.grads the forward, dx and dW
        expect(winogradCalls() - before, 'convolutions on the Winograd path').toBe(fast ? 5 : 0);
        expect(relToMax(gotY!, y), `y (fast paths ${fast}, fused multiply-adds ${fma})`).toBeLessThan(5e-5);
        expect(relToMax(gotFused!, yFused), 'relu(conv + bias)').toBeLessThan(5e-5);
        expect(relToMax(dx!, want.dx), 'dx').toBeLessThan(5e-5);
        expect(relToMax(dw!, want.dw), 'dW').toBeLessThan(5e-5);
      }
    });
  }
});

describe('max-pooling gradient (wasm: tfjs-backend-wasm 4.22 sent windows of zeros or negatives to element 0)', () => {
  const cases: Array<[string, number, number, 'same' | 'valid', number[]]> = [
    ['3/2 same, 7×7×8 (the conv net’s last pooling)', 3, 2, 'same', [2, 7, 7, 8]],
    ['3/2 same, 6×6×4', 3, 2, 'same', [1, 6, 6, 4]],
    ['2/2 valid, 5×4×3 (the loop, 3 channels)', 2, 2, 'valid', [2, 5, 4, 3]],
  ];
  for (const [name, k, stride, pad, shape] of cases) {
    it(`${name}: each gradient goes to its window's first maximum, with ties, zeros and negatives`, () => {
      const rng = new Rng(k * 10 + shape[1]!);
      const [batch, h, w, c] = shape as [number, number, number, number];
      // a third zeros, a third negative, a third small positive integers: many ties
      const x = Float64Array.from({ length: batch * h * w * c }, () => {
        const u = rng.int(3);
        return u === 0 ? 0 : u === 1 ? -1 - rng.int(3) : rng.int(3);
      });
      const oh = pad === 'same' ? Math.ceil(h / stride) : Math.floor((h - k) / stride) + 1;
      const ow = pad === 'same' ? Math.ceil(w / stride) : Math.floor((w - k) / stride) + 1;
      const padTop = pad === 'same' ? Math.floor(Math.max((oh - 1) * stride + k - h, 0) / 2) : 0;
      const padLeft = pad === 'same' ? Math.floor(Math.max((ow - 1) * stride + k - w, 0) / 2) : 0;
      const dy = Float64Array.from({ length: batch * oh * ow * c }, (_, i) => 1 + (i % 7));
      const want = maxPoolGrad64({ batch, h, w, c, k, stride, padTop, padLeft, oh, ow }, x, dy);
      for (const fast of paths()) {
        setFastPaths(fast);
        const got = tf.tidy(() => {
          const f = (v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, k, stride, pad), tf.tensor4d(f32(dy), [batch, oh, ow, c])));
          return tf
            .grad(f)(tf.tensor4d(f32(x), [batch, h, w, c]))
            .dataSync();
        });
        expect(Array.from(got), `fast paths ${fast}`).toEqual(Array.from(want));
      }
    });
  }
});

describe('sum over every axis but the last (bias gradients)', () => {
  it('equals the float64 column sums, with and without keepDims, 7 columns (a SIMD tail)', () => {
    const rng = new Rng(5);
    const x = rand(rng, 3 * 4 * 5 * 7);
    const want = new Float64Array(7);
    x.forEach((v, i) => {
      want[i % 7]! += v;
    });
    for (const fast of paths()) {
      setFastPaths(fast);
      for (const keepDims of [false, true]) {
        const got = tf.tidy(() => {
          const s = tf.sum(tf.tensor4d(f32(x), [3, 4, 5, 7]), [0, 1, 2], keepDims);
          expect(s.shape).toEqual(keepDims ? [1, 1, 1, 7] : [7]);
          return s.dataSync();
        });
        expect(maxRelErr(got, want), `fast paths ${fast}, keepDims ${keepDims}`).toBeLessThan(1e-6);
      }
      // and the sums it must leave to the original kernel: all of a vector, the last axis, everything
      const total = x.reduce((a, b) => a + b, 0);
      const all = tf.tidy(() => [tf.sum(tf.tensor1d(f32(x))).dataSync()[0]!, tf.sum(tf.tensor4d(f32(x), [3, 4, 5, 7])).dataSync()[0]!]);
      expect(maxRelErr(all, [total, total])).toBeLessThan(1e-5);
      const rows = tf.tidy(() => tf.sum(tf.tensor2d(f32(x), [60, 7]), 1).dataSync());
      expect(
        maxRelErr(
          rows,
          Array.from({ length: 60 }, (_, r) => x.slice(7 * r, 7 * r + 7).reduce((a, b) => a + b, 0)),
        ),
      ).toBeLessThan(1e-6);
    }
  });
});

describe('generated source', () => {
  const python = spawnSync('python3', ['--version']).status === 0;
  it.skipIf(!python)('src/backend/simd/conv.wat is what conv-gen/generate.py writes (edit the generator, not the output)', () => {
    const generated = execFileSync('python3', ['src/backend/simd/conv-gen/generate.py'], { encoding: 'utf8' });
    expect(generated === readFileSync('src/backend/simd/conv.wat', 'utf8')).toBe(true);
  });
});
