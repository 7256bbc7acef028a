import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Split } from '../data/types.js';

export interface Evaluation {
  /** Mean cross-entropy over the whole split. */
  loss: number;
  accuracy: number;
}

/** One-hot labels as a plain array (no tf.oneHot, so no kernel is needed for it). */
export function oneHot(y: Int32Array, from: number, to: number, numClasses: number): Float32Array {
  const out = new Float32Array((to - from) * numClasses);
  for (let i = from; i < to; i++) out[(i - from) * numClasses + y[i]!] = 1;
  return out;
}

/** Mean softmax cross-entropy of logits against one-hot targets (numerically stable). */
export function crossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1))) as tf.Scalar);
}

/** What produces logits from a batch: a logits model, or any function (the analysis's lesioned chain). */
export type LogitsFn = tfl.LayersModel | ((x: tf.Tensor) => tf.Tensor);

/**
 * Cross-entropy and accuracy over a whole split, in large batches, outside any gradient tape.
 * Sums are accumulated in float64 on the JS side.
 */
export function evaluate(logitsOf: LogitsFn, split: Split, inputShape: number[], numClasses: number, batchSize: number): Evaluation {
  const forward = typeof logitsOf === 'function' ? logitsOf : (x: tf.Tensor) => logitsOf.apply(x) as tf.Tensor;
  if (split.n === 0) return { loss: Number.NaN, accuracy: Number.NaN };
  const d = split.x.length / split.n;
  let lossSum = 0;
  let correct = 0;
  for (let from = 0; from < split.n; from += batchSize) {
    const to = Math.min(split.n, from + batchSize);
    const [l, c] = tf.tidy(() => {
      const x = tf.tensor(split.x.subarray(from * d, to * d), [to - from, ...inputShape]);
      const t = tf.tensor2d(oneHot(split.y, from, to, numClasses), [to - from, numClasses]);
      const z = forward(x);
      const lossSumT = tf.neg(tf.sum(tf.mul(t, tf.logSoftmax(z))));
      const correctT = tf.sum(tf.cast(tf.equal(tf.argMax(z, 1), tf.argMax(t, 1)), 'float32'));
      return [lossSumT.dataSync()[0]!, correctT.dataSync()[0]!];
    });
    lossSum += l;
    correct += c;
  }
  return { loss: lossSum / split.n, accuracy: correct / split.n };
}
