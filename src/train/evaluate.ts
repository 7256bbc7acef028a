import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Split } from '../data/types.js';
import { tokenLength } from '../data/sequences.js';
import { evaluateDenseStack, type Evaluation } from './dense-eval.js';

export type { Evaluation };

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

/** Largest evaluation batch for token sequences (see evaluate). */
export const MAX_SEQUENCE_EVAL_BATCH = 256;

/** What produces logits from a batch: a logits model, or any function (the analysis's lesioned chain). */
export type LogitsFn = tfl.LayersModel | ((x: tf.Tensor) => tf.Tensor);

/**
 * Cross-entropy and accuracy over a whole split, in large batches, outside any gradient tape.
 * Sums are accumulated in float64 on the JS side. With `sequences` (token data), examples are
 * taken in order of length and each batch is cut to its longest sentence: the sums do not
 * depend on the order, and short sentences no longer pay for the longest one.
 */
export function evaluate(
  logitsOf: LogitsFn,
  split: Split,
  inputShape: number[],
  numClasses: number,
  batchSize: number,
  opts: { sequences?: boolean } = {},
): Evaluation {
  const forward = typeof logitsOf === 'function' ? logitsOf : (x: tf.Tensor) => logitsOf.apply(x) as tf.Tensor;
  if (split.n === 0) return { loss: Number.NaN, accuracy: Number.NaN };
  // a chain of dense and highway layers on wasm: without the engine (dense-eval.ts)
  const engineFree = typeof logitsOf === 'function' || opts.sequences ? null : evaluateDenseStack(logitsOf, split, inputShape, numClasses, batchSize);
  if (engineFree) return engineFree;
  // recurrent nets on wasm: batches of 2,000 sentences measured 2.4× slower than batches of 250
  if (opts.sequences) return evaluateSequences(forward, split, inputShape[0]!, numClasses, Math.min(batchSize, MAX_SEQUENCE_EVAL_BATCH));
  const d = split.x.length / split.n;
  let lossSum = 0;
  let correct = 0;
  for (let from = 0; from < split.n; from += batchSize) {
    const to = Math.min(split.n, from + batchSize);
    const [l, c] = batchSums(forward, split.x.subarray(from * d, to * d), [to - from, ...inputShape], split.y.subarray(from, to), numClasses);
    lossSum += l;
    correct += c;
  }
  return { loss: lossSum / split.n, accuracy: correct / split.n };
}

function evaluateSequences(forward: (x: tf.Tensor) => tf.Tensor, split: Split, maxLength: number, numClasses: number, batchSize: number): Evaluation {
  const lengths = Array.from({ length: split.n }, (_, i) => tokenLength(split.x, i, maxLength));
  const order = Array.from({ length: split.n }, (_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  let lossSum = 0;
  let correct = 0;
  for (let from = 0; from < split.n; from += batchSize) {
    const idx = order.slice(from, from + batchSize);
    const len = Math.max(...idx.map((i) => lengths[i]!));
    const x = new Float32Array(idx.length * len);
    idx.forEach((i, r) => {
      x.set(split.x.subarray(i * maxLength, i * maxLength + len), r * len);
    });
    const [l, c] = batchSums(
      forward,
      x,
      [idx.length, len],
      Int32Array.from(idx, (i) => split.y[i]!),
      numClasses,
    );
    lossSum += l;
    correct += c;
  }
  return { loss: lossSum / split.n, accuracy: correct / split.n };
}

/** Summed cross-entropy and number of correct predictions of one batch. */
function batchSums(forward: (x: tf.Tensor) => tf.Tensor, xs: Float32Array, shape: number[], y: Int32Array, numClasses: number): [number, number] {
  const b = shape[0]!;
  return tf.tidy(() => {
    const x = tf.tensor(xs, shape);
    const t = tf.tensor2d(oneHot(y, 0, b, numClasses), [b, numClasses]);
    const z = forward(x);
    const lossSumT = tf.neg(tf.sum(tf.mul(t, tf.logSoftmax(z))));
    const correctT = tf.sum(tf.cast(tf.equal(tf.argMax(z, 1), tf.argMax(t, 1)), 'float32'));
    return [lossSumT.dataSync()[0]!, correctT.dataSync()[0]!] as [number, number];
  });
}
