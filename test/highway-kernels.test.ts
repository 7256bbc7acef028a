/**
 * The dense layers' kernels held to float64 computations written here: the SIMD module's matrix
 * product (simd/gemm.wat) in every stride form the layers use, and the highway layer's two
 * kernels (HighwayForward, HighwayGradients) on this backend — on wasm through the SIMD module and,
 * SIMD off, through the backend's matmuls with JS loops; on cpu the latter. Shapes include widths
 * that are not multiples of 4 or 8 (the SIMD tails), batches past one 64-row block, and tiny ones.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { allowFusedProducts, allowSimd, simdActive, wasmSimd } from '../src/backend/wasm-simd.js';
import { productsFused } from '../src/backend/simd/highway-simd.js';
import { Rng } from '../src/util/random.js';
import { act64, maxRelErr, randMat, randVec, sigmoid64, type Mat } from './helpers/reference.js';

const onWasm = () => tf.getBackend() === 'wasm';
/** On wasm: the SIMD module with fused multiply-adds in its products (where the engine runs them), without, and no SIMD. */
const variants = () =>
  onWasm()
    ? [
        { simd: true, fused: true },
        { simd: true, fused: false },
        { simd: false, fused: false },
      ]
    : [{ simd: false, fused: false }];

afterEach(() => {
  allowSimd(true);
  allowFusedProducts(true);
});

/**
 * act'(a) by a central difference of the float64 activation — a second computation, not the
 * source's own table of derivatives from the output (relu's kink at 0 is never hit by random a).
 */
const slope64 = (activation: string, a: number) => {
  const e = 1e-6;
  return (act64[activation]!(a + e) - act64[activation]!(a - e)) / (2 * e);
};

const matmul64 = (a: Mat, b: Mat): Mat => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const transpose64 = (a: Mat): Mat => a[0]!.map((_, j) => a.map((r) => r[j]!));

function run(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): Float32Array[] {
  const out = tf.engine().runKernel(name, inputs, attrs as never) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(out) ? out : [out];
  const values = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(list);
  return values;
}

/** C = act(op(A)·B + bias + Cin) by the SIMD module against float64, in every form the layers use. */
function productCase(m: number, n: number, k: number): void {
  const simd = wasmSimd()!;
  const rng = new Rng(m * 1000 + n * 10 + k);
  const a = randMat(rng, m, k);
  const wide = randMat(rng, k, n + 3); // B = wide[:, 2 : 2 + n]
  const bias = randVec(rng, n);
  const cin = randMat(rng, m, n);
  const b = wide.map((r) => r.slice(2, 2 + n));
  const tensors = {
    a: tf.tensor2d(a.length ? a : [[]], [m, k]),
    aT: tf.tensor2d(k ? transpose64(a) : [], [k, m]),
    wide: tf.tensor2d(k ? wide : [], [k, n + 3]),
  };
  const biasT = tf.tensor1d(bias);
  const cinT = tf.tensor2d(cin);
  const ab = k ? matmul64(a, b) : cin.map((r) => r.map(() => 0));
  const p = (t: tf.Tensor) => simd.ptr(t)!;
  for (const transposed of [false, true]) {
    for (const [withBias, withCin, relu] of [
      [false, false, false],
      [true, false, true],
      [false, true, false],
      [true, true, true],
    ] as const) {
      const c = tf.zeros([m, n]);
      const [A, sai, sak] = transposed ? [tensors.aT, 4, 4 * m] : [tensors.a, 4 * k, 4];
      simd.kernels.gemm(p(A), sai, sak, p(tensors.wide) + 8, 4 * (n + 3), p(c), 4 * n, withCin ? p(cinT) : 0, withBias ? p(biasT) : 0, m, n, k, relu ? 1 : 0);
      const want = ab.map((r, i) =>
        r.map((v, j) => {
          const s = v + (withBias ? bias[j]! : 0) + (withCin ? cin[i]![j]! : 0);
          return relu ? Math.max(0, s) : s;
        }),
      );
      expect(maxRelErr(c.dataSync(), want.flat()), `transposed ${transposed} bias ${withBias} cin ${withCin} relu ${relu}`).toBeLessThan(1e-5);
      c.dispose();
    }
  }
  tf.dispose([...Object.values(tensors), biasT, cinT]);
}

describe.runIf(onWasm())('the SIMD matrix product (gemm.wat) equals the float64 product', () => {
  // [m, n, k]: one element; fewer than 8 columns (the narrow path); a tile with every row and
  // column aliased or overlapped; a layer's shapes; more rows than a tile in every position
  const shapes = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 8, 2],
    [7, 13, 9],
    [5, 9, 0],
    [64, 50, 50],
    [130, 50, 100],
    [50, 100, 128],
  ] as const;
  for (const [m, n, k] of shapes) {
    it(`${m}×${k} by ${k}×${n}: A·B and Aᵀ·B, with bias, Cin and relu, B a column block of a wider matrix; fused multiply-adds and not`, () => {
      for (const fused of [true, false]) {
        allowFusedProducts(fused);
        expect(wasmSimd(), 'the SIMD module loads').not.toBeNull();
        // Node 20 runs relaxed SIMD behind a flag the loader sets, later Nodes by default
        expect(productsFused, 'which products run').toBe(fused);
        productCase(m, n, k);
      }
    });
  }
});

/** A layer's inputs at batch × n, with weights scaled so that every activation sees both signs. */
function layerCase(seed: number, batch: number, n: number) {
  const rng = new Rng(seed);
  const s = 1.5 / Math.sqrt(n);
  return {
    x: randMat(rng, batch, n, 1.5),
    wh: randMat(rng, n, n, s),
    bh: randVec(rng, n, 0.3),
    wt: randMat(rng, n, n, s),
    bt: randVec(rng, n, 0.5).map((v) => v - 1),
    dy: randMat(rng, batch, n, 1),
  };
}

/** The layer's forward pass and closed-form gradients, float64. */
function highway64(c: ReturnType<typeof layerCase>, activation: string) {
  const affine = (w: Mat, b: number[]) => matmul64(c.x, w).map((r) => r.map((v, j) => v + b[j]!));
  const ah = affine(c.wh, c.bh);
  const h = ah.map((r) => r.map(act64[activation]!));
  const t = affine(c.wt, c.bt).map((r) => r.map(sigmoid64));
  const y = c.x.map((r, i) => r.map((x, j) => x + t[i]![j]! * (h[i]![j]! - x)));
  const dah = t.map((r, i) => r.map((tv, j) => tv * c.dy[i]![j]! * slope64(activation, ah[i]![j]!)));
  const dat = t.map((r, i) => r.map((tv, j) => (h[i]![j]! - c.x[i]![j]!) * c.dy[i]![j]! * tv * (1 - tv)));
  const [viaH, viaT] = [matmul64(dah, transpose64(c.wh)), matmul64(dat, transpose64(c.wt))];
  const dx = c.dy.map((r, i) => r.map((g, j) => (1 - t[i]![j]!) * g + viaH[i]![j]! + viaT[i]![j]!));
  const colSums = (d: Mat) => d[0]!.map((_, j) => d.reduce((s, r) => s + r[j]!, 0));
  const xT = transpose64(c.x);
  return { y, h, t, dx, dwh: matmul64(xT, dah), dbh: colSums(dah), dwt: matmul64(xT, dat), dbt: colSums(dat) };
}

describe('the highway layer kernels equal the float64 formulas', () => {
  const shapes = [
    [7, 13],
    [130, 50],
    [3, 8],
    [5, 5],
    [1, 1],
  ] as const;
  for (const [batch, n] of shapes) {
    for (const activation of ['relu', 'tanh', 'sigmoid', 'elu', 'linear']) {
      it(`HighwayForward and HighwayGradients, ${activation}, batch ${batch}, width ${n}`, () => {
        const c = layerCase(batch * 31 + n, batch, n);
        const want = highway64(c, activation);
        const x = tf.tensor2d(c.x);
        const w = { wh: tf.tensor2d(c.wh), bh: tf.tensor1d(c.bh), wt: tf.tensor2d(c.wt), bt: tf.tensor1d(c.bt) };
        for (const { simd, fused } of variants()) {
          allowSimd(simd);
          allowFusedProducts(fused);
          const before = tf.memory().numTensors;
          const [y, h, t] = run('HighwayForward', { x, ...w }, { activation, keep: true });
          expect(simdActive(), 'the SIMD module runs on wasm').toBe(simd);
          const tag = `simd ${simd}, fused ${fused}`;
          expect(maxRelErr(y!, want.y.flat()), `y, ${tag}`).toBeLessThan(1e-5);
          expect(maxRelErr(h!, want.h.flat()), `H, ${tag}`).toBeLessThan(1e-5);
          expect(maxRelErr(t!, want.t.flat()), `T, ${tag}`).toBeLessThan(1e-5);
          // evaluation: y alone, the same values
          const alone = run('HighwayForward', { x, ...w }, { activation, keep: false });
          expect(alone.length).toBe(1);
          expect(maxRelErr(alone[0]!, want.y.flat()), `y without H and T, ${tag}`).toBeLessThan(1e-5);
          const saved = { x, h: tf.tensor2d(h!, [batch, n]), t: tf.tensor2d(t!, [batch, n]), dy: tf.tensor2d(c.dy) };
          const [dx, dwh, dbh, dwt, dbt] = run('HighwayGradients', { ...saved, wh: w.wh, wt: w.wt }, { activation });
          expect(maxRelErr(dx!, want.dx.flat()), `dx, ${tag}`).toBeLessThan(1e-5);
          expect(maxRelErr(dwh!, want.dwh.flat()), `dW_H, ${tag}`).toBeLessThan(1e-5);
          expect(maxRelErr(dbh!, want.dbh), `db_H, ${tag}`).toBeLessThan(1e-5);
          expect(maxRelErr(dwt!, want.dwt.flat()), `dW_T, ${tag}`).toBeLessThan(1e-5);
          expect(maxRelErr(dbt!, want.dbt), `db_T, ${tag}`).toBeLessThan(1e-5);
          tf.dispose([saved.h, saved.t, saved.dy]);
          expect(tf.memory().numTensors).toBe(before);
        }
        tf.dispose([x, ...Object.values(w)]);
      });
    }
  }
});
