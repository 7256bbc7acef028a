/**
 * The coupled dense highway layer as one differentiable op with the paper's closed-form
 * gradient (TVDN supplement): with a_H = x·W_H + b_H, H = act(a_H), T = σ(x·W_T + b_T),
 * y = x + T·(H − x):
 *   dH = T·dy,  dT = (H − x)·dy,  dx = (1 − T)·dy + dA_H·W_Hᵀ + dA_T·W_Tᵀ,
 *   dA_H = dH·act'(a_H),  dA_T = dT·T·(1 − T),  dW = xᵀ·dA,  db = Σ_batch dA.
 * Far fewer ops than autodiff through the formula, and none recorded on the tape but this one.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../base/vocabulary.js';
import { callKernel, hasKernel, recording } from './direct-kernel.js';
import { affine, preActivate, product } from './fused-ops.js';
import { one, throughActivation } from './activations.js';

type HighwayOp = (x: tf.Tensor2D, wh: tf.Tensor2D, bh: tf.Tensor1D, wt: tf.Tensor2D, bt: tf.Tensor1D) => tf.Tensor2D;
type Weights = [x: tf.Tensor2D, wh: tf.Tensor2D, bh: tf.Tensor1D, wt: tf.Tensor2D, bt: tf.Tensor1D];

const cache = new Map<Activation, HighwayOp>();

/** The value, the tensors the gradient needs (x, H, T), and the gradient. */
interface Pass {
  value: tf.Tensor2D;
  saved: tf.Tensor[];
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
}

/** The same formulas as ops: where the backend has no highway kernels, and the reference for them. */
function withOps(activation: Activation, [x, wh, bh, wt, bt]: Weights): Pass {
  const h = preActivate(x, wh, bh, activation);
  const t = affine(x, wt, bt, 'sigmoid');
  return {
    value: tf.add(x, tf.mul(t, tf.sub(h, x))) as tf.Tensor2D,
    saved: [x, h, t],
    gradFunc: (dy, saved) => {
      const [sx, sh, st] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const tdy = tf.mul(st, dy);
      const dah = throughActivation(activation, tdy, sh) as tf.Tensor2D;
      const dat = tf.mul(tf.mul(tf.sub(sh, sx), dy), tf.mul(st, tf.sub(one(), st))) as tf.Tensor2D;
      const dx = tf.addN([tf.sub(dy, tdy), product(dah, wh, false, true), product(dat, wt, false, true)]);
      return [dx, product(sx, dah, true, false), tf.sum(dah, 0), product(sx, dat, true, false), tf.sum(dat, 0)];
    },
  };
}

/**
 * With the backend's highway kernels (backend/highway-kernels.ts) each pass is one direct kernel
 * call (on wasm, one call into WebAssembly); H and T are kept only while a gradient is recorded.
 */
function withKernels(activation: Activation, [x, wh, bh, wt, bt]: Weights): Pass {
  const keep = recording();
  const [y, h, t] = callKernel('HighwayForward', { x, wh, bh, wt, bt }, { activation, keep })!;
  return {
    value: y as tf.Tensor2D,
    saved: keep ? [x, h!, t!] : [],
    gradFunc: (dy, saved) => {
      const [sx, sh, st] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      return callKernel('HighwayGradients', { x: sx, h: sh, t: st, dy, wh, wt }, { activation })!;
    },
  };
}

export function highwayDenseCoupled(activation: Activation): HighwayOp {
  let f = cache.get(activation);
  if (f) return f;
  f = tf.customGrad((...args: Array<tf.Tensor | ((t: tf.Tensor[]) => void)>) => {
    const weights = args.slice(0, 5) as Weights;
    const save = args[5] as (t: tf.Tensor[]) => void;
    const kernels = hasKernel('HighwayForward');
    const { value, saved, gradFunc } = (kernels ? withKernels : withOps)(activation, weights);
    save(saved);
    return { value, gradFunc: (dy: tf.Tensor | tf.Tensor[], s: tf.Tensor[]) => gradFunc(dy as tf.Tensor, s) };
  }) as unknown as HighwayOp;
  cache.set(activation, f);
  return f;
}
