import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../src/util/random.js';
import { maxRelErr, randMat } from './helpers/reference.js';

/** float64 product of row-major matrices */
const mm = (a: number[][], b: number[][]) => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const T = (a: number[][]) => a[0]!.map((_, j) => a.map((r) => r[j]!));

describe('matmul with transposed operands (wasm kernels are wrapped to transpose explicitly)', () => {
  const rng = new Rng(3);
  const a = randMat(rng, 7, 5);
  const b = randMat(rng, 5, 4);
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
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
