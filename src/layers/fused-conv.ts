/**
 * The coupled conv highway layer (3×3 'same', stride 1) as one differentiable op with the
 * paper's closed-form gradient: with A = conv(x, [W_H | W_T]) + [b_H | b_T] (H and T as one
 * convolution of 2C outputs), H = act(A_H), T = σ(A_T), y = x + T·(H − x):
 *   dA = [T·dy·act'(H) | (H − x)·dy·T·(1 − T)],  dx = (1 − T)·dy + conv2dᵀ(dA, [W_H | W_T]),
 *   [dW_H | dW_T] = x ⋆ dA (the filter gradient),  db = Σ dA.
 * On wasm two SIMD kernels do all of it (backend/conv-kernels.ts: Winograd convolution, the
 * elementwise parts fused into its passes); elsewhere the same formulas run as TF.js ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../base/vocabulary.js';
import { callKernel, hasKernel } from './direct-kernel.js';
import { activate, one, throughActivation } from './activations.js';

type Op = (x: tf.Tensor4D, wh: tf.Tensor4D, bh: tf.Tensor1D, wt: tf.Tensor4D, bt: tf.Tensor1D) => tf.Tensor4D;
const cache = new Map<Activation, Op>();

const SAME = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] } as const;

/** The formulas as TF.js ops: where the SIMD kernels do not run, and the reference for them. */
function withOps(activation: Activation, x: tf.Tensor4D, wh: tf.Tensor4D, bh: tf.Tensor1D, wt: tf.Tensor4D, bt: tf.Tensor1D, save: (t: tf.Tensor[]) => void) {
  const w = tf.concat([wh, wt], 3);
  const [ah, at] = tf.split(tf.add(tf.conv2d(x, w, 1, 'same'), tf.concat([bh, bt])), 2, 3) as [tf.Tensor4D, tf.Tensor4D];
  const h = activate(activation, ah);
  const t = tf.sigmoid(at);
  save([x, h, t, w]);
  return {
    value: tf.add(x, tf.mul(t, tf.sub(h, x))) as tf.Tensor4D,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sh, st, sw] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const tdy = tf.mul(st, dy);
      const dA = tf.concat([throughActivation(activation, tdy, sh), tf.mul(tf.mul(tf.sub(sh, sx), dy), tf.mul(st, tf.sub(one(), st)))], 3) as tf.Tensor4D;
      const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: sx, dy: dA }, { ...SAME, filterShape: sw.shape } as never) as tf.Tensor4D;
      const dx = tf.add(tf.sub(dy, tdy), tf.conv2dTranspose(dA, sw, sx.shape, 1, 'same'));
      const [dwh, dwt] = tf.split(dw, 2, 3);
      const [dbh, dbt] = tf.split(tf.sum(dA, [0, 1, 2]), 2);
      return [dx, dwh!, dbh!, dwt!, dbt!];
    },
  };
}

/** The SIMD kernels, called directly (backend/conv-kernels.ts). */
function withKernels(
  activation: Activation,
  x: tf.Tensor4D,
  wh: tf.Tensor4D,
  bh: tf.Tensor1D,
  wt: tf.Tensor4D,
  bt: tf.Tensor1D,
  save: (t: tf.Tensor[]) => void,
) {
  const [y, h, t, xp] = callKernel('HighwayConv2D', { x, wh, bh, wt, bt }, { activation })!;
  save([h!, t!, xp!, wh, wt]);
  return {
    value: y as tf.Tensor4D,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sh, st, sxp, swh, swt] = saved;
      return callKernel('HighwayConv2DBackward', { dy, h: sh!, t: st!, xp: sxp!, wh: swh!, wt: swt! }, { activation })!;
    },
  };
}

/** Where the backend has the kernels (wasm with its SIMD module): 3×3 kernels, square images, C % 8 = 0. */
function fusedApplies([, h, w, c]: number[], [kh, kw]: number[]): boolean {
  return hasKernel('HighwayConv2D') && kh === 3 && kw === 3 && h === w && c! % 8 === 0;
}

export function highwayConvCoupled(activation: Activation): Op {
  let f = cache.get(activation);
  if (f) return f;
  f = tf.customGrad((...args: Array<tf.Tensor | ((t: tf.Tensor[]) => void)>) => {
    const [x, wh, bh, wt, bt] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.Tensor4D, tf.Tensor1D];
    const save = args[5] as (t: tf.Tensor[]) => void;
    const fused = fusedApplies(x.shape, wh.shape);
    const { value, gradFunc } = (fused ? withKernels : withOps)(activation, x, wh, bh, wt, bt, save);
    return { value, gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => gradFunc(dy as tf.Tensor, saved) };
  }) as unknown as Op;
  cache.set(activation, f);
  return f;
}
