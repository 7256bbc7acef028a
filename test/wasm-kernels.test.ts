import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers' node bundle registers tfjs-core's gradient functions (as every entry point of ours loads it)
import '@tensorflow/tfjs-layers';
import { Rng } from '../src/util/random.js';
import { maxRelErr, randMat } from './helpers/reference.js';

/** float64 product of row-major matrices */
const mm = (a: number[][], b: number[][]) => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const T = (a: number[][]) => a[0]!.map((_, j) => a.map((r) => r[j]!));

describe('matmul with transposed operands (wasm kernels are wrapped to transpose explicitly)', () => {
  const rng = new Rng(3);
  const a = randMat(rng, 7, 5);
  const b = randMat(rng, 5, 4);
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`transposeA=${ta} transposeB=${tb} equals the float64 product, and leaves no tensors`, () => {
      const A = tf.tensor2d(ta ? T(a) : a);
      const B = tf.tensor2d(tb ? T(b) : b);
      const bias = tf.zeros([4]);
      const before = tf.memory().numTensors;
      const y = tf.matMul(A, B, ta, tb);
      const f = tf.fused.matMul({ a: A, b: B, transposeA: ta, transposeB: tb, bias, activation: 'linear' });
      expect(maxRelErr(y.dataSync(), mm(a, b).flat())).toBeLessThan(1e-5);
      expect(maxRelErr(f.dataSync(), mm(a, b).flat())).toBeLessThan(1e-5);
      tf.dispose([y, f]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([A, B, bias]);
    });
  }

  it('batched (rank 3) transposes too', () => {
    const x = tf.tensor3d([a, a]);
    const y = tf.matMul(x, x, true, false); // [2, 5, 5] = aᵀa per batch
    const want = mm(T(a), a).flat();
    expect(maxRelErr(y.dataSync().slice(0, 25), want)).toBeLessThan(1e-5);
    expect(maxRelErr(y.dataSync().slice(25), want)).toBeLessThan(1e-5);
    tf.dispose([x, y]);
  });
});

const rand4 = (rng: Rng, b: number, h: number, w: number, c: number) =>
  tf.tensor4d(
    Array.from({ length: b * h * w * c }, () => rng.next() * 2 - 1),
    [b, h, w, c],
  );

/** Central differences of a scalar loss at every element of `at` (eps 1e-2: conv2d is linear in each argument, so exact up to rounding). */
function centralDiff(loss: (t: tf.Tensor) => tf.Scalar, at: tf.Tensor4D, eps = 1e-2): number[] {
  const base = Array.from(at.dataSync());
  return base.map((_, i) => {
    const f = (d: number) =>
      tf.tidy(
        () =>
          loss(
            tf.tensor4d(
              base.map((v, j) => (j === i ? v + d : v)),
              at.shape,
            ),
          ).dataSync()[0]!,
      );
    return (f(eps) - f(-eps)) / (2 * eps);
  });
}

describe('Conv2DBackpropFilter (provided for wasm, which lacks it)', () => {
  const rng = new Rng(5);
  const x4 = (b: number, h: number, w: number, c: number) => rand4(rng, b, h, w, c);
  for (const [k, stride, pad] of [
    [3, 1, 'same'],
    [5, 1, 'same'],
    [3, 2, 'valid'],
    [3, 2, 'same'],
  ] as const) {
    it(`filter gradient of conv2d (${k}×${k}, stride ${stride}, ${pad}) equals central finite differences`, () => {
      const x = x4(2, 6, 5, 3);
      const w0 = x4(k, k, 3, 2);
      const r = tf.tidy(() => tf.randomUniform(tf.conv2d(x, w0 as unknown as tf.Tensor4D, stride, pad).shape, -1, 1, 'float32', 3));
      const loss = (w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, stride, pad), r));
      const g = tf.tidy(() => Array.from(tf.grad(loss)(w0).dataSync()));
      expect(maxRelErr(g, centralDiff(loss, w0))).toBeLessThan(2e-3);
      tf.dispose([x, w0, r]);
    });
  }

  it('leaves no tensors behind', () => {
    const x = x4(1, 4, 4, 2);
    const w = x4(3, 3, 2, 2);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grad((v: tf.Tensor) => tf.sum(tf.conv2d(x, v as tf.Tensor4D, 1, 'same')))(w);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });
});

describe('conv2d input gradient (wasm: computed as a forward convolution for stride 1)', () => {
  const rng = new Rng(6);
  const x4 = (b: number, h: number, w: number, c: number) => rand4(rng, b, h, w, c);
  for (const [k, stride, pad] of [
    [3, 1, 'same'],
    [5, 1, 'same'],
    [3, 1, 'valid'],
    [3, 2, 'same'],
  ] as const) {
    it(`dx of conv2d (${k}×${k}, stride ${stride}, ${pad}) equals central finite differences`, () => {
      const x0 = x4(2, 6, 5, 3);
      const w = x4(k, k, 3, 2);
      const r = tf.tidy(() => tf.randomUniform(tf.conv2d(x0, w as unknown as tf.Tensor4D, stride, pad).shape, -1, 1, 'float32', 4));
      const loss = (x: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad), r));
      const g = tf.tidy(() => Array.from(tf.grad(loss)(x0).dataSync()));
      expect(maxRelErr(g, centralDiff(loss, x0))).toBeLessThan(2e-3);
      tf.dispose([x0, w, r]);
    });
  }
});

describe('embedding gradients (UnsortedSegmentSum, provided for wasm)', () => {
  it('the gradient of a gather scatter-adds the upstream rows (hand-derived)', () => {
    const params = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    const idx = tf.tensor1d([2, 0, 2, 3, 2], 'int32');
    const r = [
      [1, -1],
      [0.5, 2],
      [3, 0],
      [-2, 1],
      [0.25, 0.25],
    ];
    const g = tf.tidy(() =>
      tf
        .grad((p: tf.Tensor) => tf.sum(tf.mul(tf.gather(p, idx), tf.tensor2d(r))))(params)
        .arraySync(),
    );
    // row v of the gradient = Σ of r[i] over the positions i that looked up v
    expect(g).toEqual([
      [0.5, 2],
      [0, 0],
      [4.25, -0.75],
      [-2, 1],
    ]);
    const seg = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(r), tf.tensor1d([1, 1, 0, 5, 0], 'int32'), 3).arraySync());
    expect(seg).toEqual([
      [3.25, 0.25],
      [1.5, 1],
      [0, 0],
    ]); // id 5 is out of range: dropped
    tf.dispose([params, idx]);
  });
});

describe('Slice, SplitV, Unpack and Reverse (wasm: copied between heap views) equal index arithmetic', () => {
  const shape = [3, 4, 5];
  const n = 60;
  const at = (i: number, j: number, k: number) => (i * 4 + j) * 5 + k;
  const vals = Array.from({ length: n }, (_, i) => i * 1.5 - 7);
  const dtypes = ['float32', 'int32', 'bool'] as const;
  const cast = (d: (typeof dtypes)[number]) => (v: number) => (d === 'float32' ? v : d === 'int32' ? Math.round(v) : v > 0 ? 1 : 0);
  for (const dt of dtypes) {
    it(`${dt}: every slice box, split and unstack along each axis, reverse along each axis`, () => {
      const c = cast(dt);
      const x = tf.tensor3d(vals.map(c), [3, 4, 5], dt);
      const before = tf.memory().numTensors;
      const boxes: Array<[number[], number[]]> = [
        [
          [0, 0, 0],
          [3, 4, 5],
        ],
        [
          [1, 0, 0],
          [1, 4, 5],
        ],
        [
          [0, 1, 0],
          [3, 2, 5],
        ],
        [
          [0, 0, 2],
          [3, 4, 3],
        ],
        [
          [2, 3, 4],
          [1, 1, 1],
        ],
        [
          [1, 1, 1],
          [2, 2, 2],
        ],
        [
          [0, 2, 0],
          [3, 0, 5],
        ],
      ];
      for (const [b, s] of boxes) {
        const want: number[] = [];
        for (let i = 0; i < s[0]!; i++)
          for (let j = 0; j < s[1]!; j++) for (let k = 0; k < s[2]!; k++) want.push(c(vals[at(b[0]! + i, b[1]! + j, b[2]! + k)]!));
        const y = tf.slice(x, b, s);
        expect(y.shape).toEqual(s);
        expect(Array.from(y.dataSync())).toEqual(want);
        y.dispose();
      }
      for (let axis = 0; axis < 3; axis++) {
        const parts = tf.unstack(x, axis);
        expect(parts).toHaveLength(shape[axis]!);
        parts.forEach((p, idx) => {
          const want: number[] = [];
          for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 5; k++) if ([i, j, k][axis] === idx) want.push(c(vals[at(i, j, k)]!));
          expect(Array.from(p.dataSync())).toEqual(want);
        });
        tf.dispose(parts);
        const sizes = axis === 2 ? [2, 3] : axis === 1 ? [1, 3] : [2, 1];
        const split = tf.split(x, sizes, axis);
        let from = 0;
        split.forEach((p, q) => {
          const want: number[] = [];
          for (let i = 0; i < 3; i++)
            for (let j = 0; j < 4; j++)
              for (let k = 0; k < 5; k++) {
                const v = [i, j, k][axis]!;
                if (v >= from && v < from + sizes[q]!) want.push(c(vals[at(i, j, k)]!));
              }
          expect(Array.from(p.dataSync())).toEqual(want);
          from += sizes[q]!;
        });
        tf.dispose(split);
        if (dt !== 'bool') {
          const r = tf.reverse(x, axis);
          const want: number[] = [];
          for (let i = 0; i < 3; i++)
            for (let j = 0; j < 4; j++)
              for (let k = 0; k < 5; k++) {
                const src = [i, j, k];
                src[axis] = shape[axis]! - 1 - src[axis]!;
                want.push(c(vals[at(src[0]!, src[1]!, src[2]!)]!));
              }
          expect(Array.from(r.dataSync())).toEqual(want);
          r.dispose();
        }
      }
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  }
});
