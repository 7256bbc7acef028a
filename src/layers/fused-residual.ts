/**
 * The dense residual block as one differentiable op with its closed-form gradient. With
 * u = act(x) (pre) or x, h = act(u·W1 + b1), s = x + h·W2 + b2, y = act(s) (post) or s:
 *   ds = dy·act'(s) (post) or dy,  dW2 = hᵀ·ds,  db2 = Σ ds,
 *   da = (ds·W2ᵀ)·act'(h),  dW1 = uᵀ·da,  db1 = Σ da,
 *   dx = ds + (da·W1ᵀ)·act'(x) (pre) or ds + da·W1ᵀ.
 * About half the kernels of autodiff through the formula (bench/NOTES.md #22).
 */
import * as tf from '@tensorflow/tfjs-core';
import { customOp, perKey, type Pass } from './custom-op.js';
import { affine, preActivate, product } from './fused-ops.js';
import { activate, throughActivation } from './activations.js';
import type { Activation, ResidualForm } from '../base/vocabulary.js';

type Weights = [x: tf.Tensor2D, w1: tf.Tensor2D, b1: tf.Tensor1D, w2: tf.Tensor2D, b2: tf.Tensor1D];

/** The block's forward pass and its closed-form gradient. */
function pass(activation: Activation, form: ResidualForm, [x, w1, b1, w2, b2]: Weights): Pass<tf.Tensor2D> {
  const u = (form === 'pre' ? activate(activation, x) : x) as tf.Tensor2D;
  const h = preActivate(u, w1, b1, activation);
  const s = tf.add(x, affine(h, w2, b2, 'linear')) as tf.Tensor2D;
  const y = (form === 'post' ? activate(activation, s) : s) as tf.Tensor2D;
  return {
    value: y,
    saved: [u, h, y],
    gradFunc: (dy, saved) => {
      const [su, sh, sy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const ds = (form === 'post' ? throughActivation(activation, dy, sy) : dy) as tf.Tensor2D;
      const da = throughActivation(activation, product(ds, w2, false, true), sh) as tf.Tensor2D;
      const du = product(da, w1, false, true);
      const dx = tf.add(ds, form === 'pre' ? throughActivation(activation, du, su) : du);
      return [dx, product(su, da, true, false), tf.sum(da, 0), product(sh, ds, true, false), tf.sum(ds, 0)];
    },
  };
}

const opsOf = perKey((activation: Activation) => perKey((form: ResidualForm) => customOp<Weights, tf.Tensor2D>((w) => pass(activation, form, w))));

/** The block as one op with its closed-form gradient, one per activation and form. */
export const residualDense = (activation: Activation, form: ResidualForm): ((...w: Weights) => tf.Tensor2D) => opsOf(activation)(form);
