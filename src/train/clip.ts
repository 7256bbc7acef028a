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

/**
 * The same clipping on gradients the caller can write in place (the engine-free dense step's
 * buffers): the norm in float64 in one pass, a second pass only when it is over `maxNorm`. With
 * a clip that only acts on spikes, that is one read of the gradients per step instead of ~3
 * engine ops per weight (≈30% of a depth-50 step, bench/NOTES.md).
 */
export function clipInPlace(grads: Float32Array[], maxNorm: number): void {
  let sq = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
  const norm = Math.sqrt(sq);
  if (norm <= maxNorm) return;
  const scale = maxNorm / Math.max(norm, 1e-12);
  for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = g[i]! * scale;
}
