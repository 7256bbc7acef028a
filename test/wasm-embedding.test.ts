/**
 * The embedding lookup (GatherV2 along axis 0) and its gradient (UnsortedSegmentSum), which
 * src/backend/wasm-embedding.ts runs on wasm by copying rows between heap views: held to index
 * arithmetic on every backend.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../src/util/random.js';

const rng = new Rng(11);
const table = Float32Array.from({ length: 9 * 5 }, () => rng.next() * 2 - 1);

describe('embedding lookup and its gradient', () => {
  {
    const dtype = 'int32';
    it('gather along axis 0 with ids of shape [3, 4] is row-by-row index arithmetic', () => {
      const ids = [8, 0, 3, 3, 1, 7, 2, 8, 5, 5, 0, 4];
      const got = tf.tidy(() => tf.gather(tf.tensor2d(table, [9, 5]), tf.tensor2d(ids, [3, 4], dtype)).arraySync()) as number[][][];
      expect(got.length).toBe(3);
      got.flat().forEach((row, i) => {
        expect(row).toEqual(Array.from(table.subarray(ids[i]! * 5, ids[i]! * 5 + 5)));
      });
    });
  }

  it('an id outside the table is an error, not a silent row', () => {
    expect(() => tf.tidy(() => tf.gather(tf.tensor2d(table, [9, 5]), tf.tensor1d([1, 9], 'int32')).dataSync())).toThrow();
  });

  {
    const dtype = 'int32';
    it("the segment sum adds each row into its id's row (ids out of range dropped)", () => {
      const ids = [2, 0, 2, 5, -1, 0, 2];
      const x = Float32Array.from({ length: ids.length * 3 }, () => rng.next() * 2 - 1);
      const want = new Float64Array(4 * 3);
      ids.forEach((s, i) => {
        if (s < 0 || s >= 4) return;
        for (let k = 0; k < 3; k++) want[s * 3 + k]! += x[i * 3 + k]!;
      });
      const got = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(x, [ids.length, 3]), tf.tensor1d(ids, dtype), 4).dataSync());
      expect(Array.from(got).map((v) => Math.round(v * 1e5))).toEqual(Array.from(want).map((v) => Math.round(v * 1e5)));
    });
  }
});
