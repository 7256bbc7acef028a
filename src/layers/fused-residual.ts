/**
 * The dense residual block as one differentiable op with its closed-form gradient. With
 * u = act(x) (pre) or x, h = act(u·W1 + b1), s = x + h·W2 + b2, y = act(s) (post) or s:
 *   ds = dy·act'(s) (post) or dy,  dW2 = hᵀ·ds,  db2 = Σ ds,
 *   da = (ds·W2ᵀ)·act'(h),  dW1 = uᵀ·da,  db1 = Σ da,
 *   dx = ds + (da·W1ᵀ)·act'(x) (pre) or ds + da·W1ᵀ.
 * About half the kernels of autodiff through the formula (bench/NOTES.md #22).
 */
import * as tf from '@tensorflow/tfjs-core';
import { affine, preActivate, product } from './fused-ops.js';
import { activate, throughActivation } from './activations.js';
import type { Activation, ResidualForm } from '../base/vocabulary.js';

type ResidualOp = (x: tf.Tensor2D, w1: tf.Tensor2D, b1: tf.Tensor1D, w2: tf.Tensor2D, b2: tf.Tensor1D) => tf.Tensor2D;

const cache = new Map<string, ResidualOp>();

export function residualDense(activation: Activation, form: ResidualForm): ResidualOp {
  const key = `${activation}/${form}`;
  let f = cache.get(key);
  if (f) return f;
  f = tf.customGrad((...args: Array<tf.Tensor | ((t: tf.Tensor[]) => void)>) => {
    const [x, w1, b1, w2, b2] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
    const save = args[5] as (t: tf.Tensor[]) => void;
    const u = (form === 'pre' ? activate(activation, x) : x) as tf.Tensor2D;
    const h = preActivate(u, w1, b1, activation);
    const s = tf.add(x, affine(h, w2, b2, 'linear')) as tf.Tensor2D;
    const y = form === 'post' ? activate(activation, s) : s;
    save([u, h, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [su, sh, sy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const ds = (form === 'post' ? throughActivation(activation, dy as tf.Tensor, sy) : dy) as tf.Tensor2D;
        const da = throughActivation(activation, product(ds, w2, false, true), sh) as tf.Tensor2D;
        const du = product(da, w1, false, true);
        const dx = tf.add(ds, form === 'pre' ? throughActivation(activation, du, su) : du);
        return [dx, product(su, da, true, false), tf.sum(da, 0), product(sh, ds, true, false), tf.sum(ds, 0)];
      },
    };
  }) as unknown as ResidualOp;
  cache.set(key, f);
  return f;
}
