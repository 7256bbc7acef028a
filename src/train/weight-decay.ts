/**
 * L2 weight decay (Caffe's weight_decay): g ← g + wd·w for kernels and embeddings. On cpu and wasm
 * in the gradient's own memory, one loop (the gradient is the step's own tensor; nothing else
 * reads it), where the conv net's 18 kernels took 36 small ops per step; with the fast paths off,
 * on other backends, or if the gradient's memory is shared, as ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fastPathsOn, float32View } from '../backend/memory.js';

/** The decayed gradient: `grad` itself, changed in place, or a new tensor. */
export function addWeightDecay(grad: tf.Tensor, w: tf.Tensor, wd: number): tf.Tensor {
  const g = fastPathsOn() ? float32View(grad, true) : null;
  const x = g ? float32View(w, false) : null;
  if (!g || !x || g.length !== x.length) return tf.add(grad, tf.mul(w, wd));
  for (let i = 0; i < g.length; i++) g[i] = g[i]! + wd * x[i]!;
  return grad;
}
