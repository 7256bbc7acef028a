import * as tf from '@tensorflow/tfjs-core';

/**
 * Scale all gradients together so their global L2 norm is at most `maxNorm`
 * (g ← g · min(1, maxNorm / ‖g‖)); directions are kept. Call inside a tidy.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  const names = Object.keys(grads);
  const sq = tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!))));
  const scale = tf.minimum(1, tf.div(maxNorm, tf.maximum(tf.sqrt(sq), 1e-12)));
  return Object.fromEntries(names.map((n) => [n, tf.mul(grads[n]!, scale)]));
}
