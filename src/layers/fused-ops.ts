/**
 * The pieces the fused layers (fused-highway.ts, fused-residual.ts) build their forward and
 * closed-form backward passes from: affine maps and products as direct kernel calls where the
 * backend allows, and activation derivatives written in terms of the activation's output.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../base/vocabulary.js';
import { batched, callKernel } from './direct-kernel.js';

/** Activations the fused matMul kernel applies itself. */
const FUSABLE: Partial<Record<Activation, tf.fused.Activation>> = { relu: 'relu', linear: 'linear', sigmoid: 'sigmoid', elu: 'elu' };

/**
 * act(x·W + b) in one kernel. tf.fused.matMul splits itself into matMul, add and the activation
 * whenever a gradient is being recorded, as it is during training; inside this layer's own
 * gradient (customGrad) nothing needs recording, so the fused kernel is called directly.
 */
export function affine(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: tf.fused.Activation): tf.Tensor2D {
  const direct = callKernel('_FusedMatMul', { a: batched(x), b: batched(w), bias: b }, { transposeA: false, transposeB: false, activation }, [
    [x.shape[0], w.shape[1]],
  ]);
  return (direct?.[0] ?? tf.fused.matMul({ a: x, b: w, bias: b, activation })) as tf.Tensor2D;
}

/** a·bᵀ (tb) or aᵀ·b (ta), as one direct kernel call where there is one. */
export function product(a: tf.Tensor2D, b: tf.Tensor2D, ta: boolean, tb: boolean): tf.Tensor2D {
  const rows = ta ? a.shape[1] : a.shape[0];
  const cols = tb ? b.shape[0] : b.shape[1];
  const direct = callKernel('BatchMatMul', { a: batched(a), b: batched(b) }, { transposeA: ta, transposeB: tb }, [[rows, cols]]);
  return (direct?.[0] ?? tf.matMul(a, b, ta, tb)) as tf.Tensor2D;
}

export function preActivate(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: Activation): tf.Tensor2D {
  const fusable = FUSABLE[activation];
  return fusable ? affine(x, w, b, fusable) : (tf.tanh(affine(x, w, b, 'linear')) as tf.Tensor2D);
}

/** act'(a) written in terms of the output h = act(a). */
function activationGrad(activation: Activation, h: tf.Tensor): tf.Tensor | null {
  switch (activation) {
    case 'relu':
      return tf.step(h);
    case 'tanh':
      return tf.sub(one(), tf.square(h));
    case 'sigmoid':
      return tf.mul(h, tf.sub(one(), h));
    case 'elu':
      return tf.where(tf.greater(h, 0), tf.onesLike(h), tf.add(h, one()));
    case 'linear':
      return null;
  }
}

/** g·act'(a), given the output act(a); g itself for a linear activation. */
export function throughActivation(activation: Activation, g: tf.Tensor, out: tf.Tensor): tf.Tensor {
  const d = activationGrad(activation, out);
  return d ? tf.mul(g, d) : g;
}

/** A kept scalar 1 (a literal `1` would make a new tensor on every use). */
let ONE: tf.Scalar | null = null;
export const one = (): tf.Scalar => (ONE ??= tf.keep(tf.scalar(1)));
