/**
 * Every activation the layers offer, in one table with an entry per name of ACTIVATIONS (the
 * compiler refuses a missing one): the op, how a matmul kernel applies it, its derivative written
 * from its output (as a number for the kernels' JS loops, as ops for the closed-form gradients),
 * and its code in the SIMD modules. A new activation is a name in base/vocabulary.ts, an entry
 * here, and its code in simd/highway.wat ($activation, $derivative) and simd/conv.wat ($act).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ACTIVATIONS, type Activation } from '../base/vocabulary.js';

export interface ActivationSpec {
  op(x: tf.Tensor): tf.Tensor;
  /** act(x·W + b): TF.js's fused matmul kernels apply it (`fused`), or the kernel `after` runs on their linear output. */
  matmul: { fused: tf.fused.Activation } | { after: string };
  /** act'(a) from h = act(a). */
  derivative(h: number): number;
  /** The same as ops; null where it is 1 everywhere (g·act'(a) is then g itself). */
  derivativeOps(h: tf.Tensor): tf.Tensor | null;
  /** Its code in the SIMD modules' `act` arguments. */
  simd: number;
}

/** A kept scalar 1 (a literal `1` would make a new tensor on every use). */
let ONE: tf.Scalar | null = null;
export const one = (): tf.Scalar => (ONE ??= tf.keep(tf.scalar(1)));

export const ACTIVATION_TABLE = {
  relu: {
    op: (x) => tf.relu(x),
    matmul: { fused: 'relu' },
    derivative: (h) => (h > 0 ? 1 : 0),
    derivativeOps: (h) => tf.step(h),
    simd: 0,
  },
  tanh: {
    op: (x) => tf.tanh(x),
    // the fused matmul kernels have no tanh
    matmul: { after: tf.Tanh },
    derivative: (h) => 1 - h * h,
    derivativeOps: (h) => tf.sub(one(), tf.square(h)),
    simd: 1,
  },
  sigmoid: {
    op: (x) => tf.sigmoid(x),
    matmul: { fused: 'sigmoid' },
    derivative: (h) => h * (1 - h),
    derivativeOps: (h) => tf.mul(h, tf.sub(one(), h)),
    simd: 2,
  },
  elu: {
    op: (x) => tf.elu(x),
    matmul: { fused: 'elu' },
    derivative: (h) => (h > 0 ? 1 : h + 1),
    derivativeOps: (h) => tf.where(tf.greater(h, 0), tf.onesLike(h), tf.add(h, one())),
    simd: 3,
  },
  linear: {
    op: (x) => x,
    matmul: { fused: 'linear' },
    derivative: () => 1,
    derivativeOps: () => null,
    simd: 4,
  },
} satisfies Record<Activation, ActivationSpec>;

/** The nonlinearity by name. */
export const activate = (name: Activation, x: tf.Tensor): tf.Tensor => ACTIVATION_TABLE[name].op(x);

/** g·act'(a), given the output act(a); g itself for a linear activation. */
export function throughActivation(activation: Activation, g: tf.Tensor, out: tf.Tensor): tf.Tensor {
  const d = ACTIVATION_TABLE[activation].derivativeOps(out);
  return d ? tf.mul(g, d) : g;
}

export const isActivation = (name: string): name is Activation => (ACTIVATIONS as readonly string[]).includes(name);

/** The SIMD code of an activation named by a layer's config (any string): undefined if it is none of ours. */
export const simdCode = (name: string): number | undefined => (isActivation(name) ? ACTIVATION_TABLE[name].simd : undefined);
