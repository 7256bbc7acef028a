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

/** Activations the fused matMul kernel applies itself. */
const FUSABLE: Partial<Record<Activation, tf.fused.Activation>> = { relu: 'relu', linear: 'linear', sigmoid: 'sigmoid', elu: 'elu' };

function preActivate(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: Activation): tf.Tensor2D {
  const fused = FUSABLE[activation];
  if (fused) return tf.fused.matMul({ a: x, b: w, bias: b, activation: fused }) as tf.Tensor2D;
  return tf.tanh(tf.fused.matMul({ a: x, b: w, bias: b })) as tf.Tensor2D;
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

/** A kept scalar 1 (a literal `1` would make a new tensor on every use). */
let ONE: tf.Scalar | null = null;
const one = (): tf.Scalar => (ONE ??= tf.keep(tf.scalar(1)));

const cache = new Map<Activation, (x: tf.Tensor2D, wh: tf.Tensor2D, bh: tf.Tensor1D, wt: tf.Tensor2D, bt: tf.Tensor1D) => tf.Tensor2D>();

export function highwayDenseCoupled(activation: Activation) {
  let f = cache.get(activation);
  if (f) return f;
  f = tf.customGrad((...args: Array<tf.Tensor | ((t: tf.Tensor[]) => void)>) => {
    const [x, wh, bh, wt, bt] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
    const save = args[5] as (t: tf.Tensor[]) => void;
    const h = preActivate(x, wh, bh, activation);
    const t = tf.fused.matMul({ a: x, b: wt, bias: bt, activation: 'sigmoid' });
    const hx = tf.sub(h, x);
    save([x, wh, wt, h, t, hx]);
    return {
      value: tf.add(x, tf.mul(t, hx)) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor2D;
        const [sx, swh, swt, sh, st, shx] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const tdy = tf.mul(st, g);
        const dAct = activationGrad(activation, sh);
        const dah = (dAct ? tf.mul(tdy, dAct) : tdy) as tf.Tensor2D;
        const dat = tf.mul(tf.mul(shx, g), tf.mul(st, tf.sub(one(), st))) as tf.Tensor2D;
        const dx = tf.add(tf.sub(g, tdy), tf.add(tf.matMul(dah, swh, false, true), tf.matMul(dat, swt, false, true)));
        const xT = tf.transpose(sx);
        return [dx, tf.matMul(xT, dah), tf.sum(dah, 0), tf.matMul(xT, dat), tf.sum(dat, 0)];
      },
    };
  }) as unknown as (x: tf.Tensor2D, wh: tf.Tensor2D, bh: tf.Tensor1D, wt: tf.Tensor2D, bt: tf.Tensor1D) => tf.Tensor2D;
  cache.set(activation, f);
  return f;
}
