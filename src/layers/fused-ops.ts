/**
 * The pieces the fused layers (highway-dense.ts, fused-residual.ts) build their forward and
 * closed-form backward passes from: affine maps and products as direct kernel calls where the
 * backend allows (the activations' derivatives are in activations.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../base/vocabulary.js';
import { ACTIVATION_TABLE } from './activations.js';
import { batched, callTfKernel } from './direct-kernel.js';

/**
 * act(x·W + b) in one kernel. tf.fused.matMul splits itself into matMul, add and the activation
 * whenever a gradient is being recorded, as it is during training; inside this layer's own
 * gradient (customGrad) nothing needs recording, so the fused kernel is called directly.
 */
export function affine(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: tf.fused.Activation): tf.Tensor2D {
  const direct = callTfKernel('_FusedMatMul', { a: batched(x), b: batched(w), bias: b }, { transposeA: false, transposeB: false, activation }, [
    [x.shape[0], w.shape[1]],
  ]);
  return (direct?.[0] ?? tf.fused.matMul({ a: x, b: w, bias: b, activation })) as tf.Tensor2D;
}

/** a·bᵀ (tb) or aᵀ·b (ta), as one direct kernel call where there is one. */
export function product(a: tf.Tensor2D, b: tf.Tensor2D, ta: boolean, tb: boolean): tf.Tensor2D {
  const rows = ta ? a.shape[1] : a.shape[0];
  const cols = tb ? b.shape[0] : b.shape[1];
  const direct = callTfKernel('BatchMatMul', { a: batched(a), b: batched(b) }, { transposeA: ta, transposeB: tb }, [[rows, cols]]);
  return (direct?.[0] ?? tf.matMul(a, b, ta, tb)) as tf.Tensor2D;
}

/** act(x·W + b): one fused kernel, or the activation after a linear one where the kernel has no such activation. */
export function preActivate(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: Activation): tf.Tensor2D {
  const { matmul, op } = ACTIVATION_TABLE[activation];
  return 'fused' in matmul ? affine(x, w, b, matmul.fused) : (op(affine(x, w, b, 'linear')) as tf.Tensor2D);
}
