/**
 * The coupled dense highway layer as one differentiable op with the paper's closed-form
 * gradient (TVDN supplement): with a_H = x·W_H + b_H, H = act(a_H), T = σ(x·W_T + b_T),
 * y = x + T·(H − x):
 *   dH = T·dy,  dT = (H − x)·dy,  dx = (1 − T)·dy + dA_H·W_Hᵀ + dA_T·W_Tᵀ,
 *   dA_H = dH·act'(a_H),  dA_T = dT·T·(1 − T),  dW = xᵀ·dA,  db = Σ_batch dA.
 * Far fewer ops than autodiff through the formula, and none recorded on the tape but this one.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from './vocabulary.js';
import { callKernel } from './direct-kernel.js';
import { affine, one, preActivate, product, throughActivation } from './fused-ops.js';

const cache = new Map<Activation, (x: tf.Tensor2D, wh: tf.Tensor2D, bh: tf.Tensor1D, wt: tf.Tensor2D, bt: tf.Tensor1D) => tf.Tensor2D>();

/** What both gradient paths need: the input, H = act(x·W_H + b_H), T = σ(x·W_T + b_T) and the weights. */
interface Forward {
  x: tf.Tensor2D;
  h: tf.Tensor2D;
  t: tf.Tensor2D;
  wh: tf.Tensor2D;
  wt: tf.Tensor2D;
}

/** The same formulas as ops: where the backend has no highway kernels, and the reference for them. */
function withOps(activation: Activation, { x, h, t, wh, wt }: Forward) {
  return {
    value: tf.add(x, tf.mul(t, tf.sub(h, x))) as tf.Tensor2D,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
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
 * With the backend's highway kernels (backend/highway-kernels.ts) every step is a direct kernel
 * call, and H and T share the backward matmuls: dx = (1 − T)·dy + D·[W_H | W_T]ᵀ and
 * [dW_H | dW_T] = xᵀ·D with D = [dA_H | dA_T] — two matmuls instead of four, no transposes.
 */
function withKernels(activation: Activation, { x, h, t, wh, wt }: Forward) {
  const call = (name: string, inputs: Record<string, tf.Tensor | tf.TensorInfo>, attrs: Record<string, unknown> = {}, shapes?: number[][]) =>
    callKernel(name, inputs, attrs, shapes)!;
  return {
    value: call('HighwayCombine', { t, h, x })[0] as tf.Tensor2D,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sh, st] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const [d, dxCarry, dbh, dbt, xT] = call('HighwayBackward', { t: st, h: sh, x: sx, dy }, { activation }) as [
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor1D,
        tf.Tensor1D,
        tf.Tensor2D,
      ];
      const [wT] = call('HighwayPackWeights', { wh, wt }) as [tf.Tensor2D];
      const dx = call('Add', { a: dxCarry, b: product(d, wT, false, false) })[0]!;
      const [dwh, dwt] = call('HighwaySplitColumns', { m: product(xT, d, false, false) });
      return [dx, dwh!, dbh, dwt!, dbt];
    },
  };
}

export function highwayDenseCoupled(activation: Activation) {
  let f = cache.get(activation);
  if (f) return f;
  f = tf.customGrad((...args: Array<tf.Tensor | ((t: tf.Tensor[]) => void)>) => {
    const [x, wh, bh, wt, bt] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
    const save = args[5] as (t: tf.Tensor[]) => void;
    const kernels = tf.getKernel('HighwayBackward', tf.getBackend()) !== undefined;
    const h = preActivate(x, wh, bh, activation);
    const t = affine(x, wt, bt, 'sigmoid');
    save([x, h, t]);
    const { value, gradFunc } = (kernels ? withKernels : withOps)(activation, { x, h, t, wh, wt });
    return { value, gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => gradFunc(dy as tf.Tensor, saved) };
  }) as unknown as (x: tf.Tensor2D, wh: tf.Tensor2D, bh: tf.Tensor1D, wt: tf.Tensor2D, bt: tf.Tensor1D) => tf.Tensor2D;
  cache.set(activation, f);
  return f;
}
