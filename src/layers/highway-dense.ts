/**
 * The fully connected highway layer, and the coupled layer's op. With a_H = x·W_H + b_H,
 * H = act(a_H), T = σ(x·W_T + b_T), C = 1 − T (coupled) or σ(x·W_C + b_C): y = H·T + x·C, output
 * shape = input shape. The coupled layer, y = x + T·(H − x), is one differentiable op with the
 * paper's closed-form gradient (TVDN supplement):
 *   dH = T·dy,  dT = (H − x)·dy,  dx = (1 − T)·dy + dA_H·W_Hᵀ + dA_T·W_Tᵀ,
 *   dA_H = dH·act'(a_H),  dA_T = dT·T·(1 − T),  dW = xᵀ·dA,  db = Σ_batch dA.
 * Far fewer ops than autodiff through the formula, and none recorded on the tape but this one.
 * Training runs the op; `highway analyze` runs its forward pass with T (highwayDenseGate), so the
 * gates it reads are the ones the trained net computes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors.js';
import type { Activation } from '../base/vocabulary.js';
import { one, throughActivation } from './activations.js';
import { customOp, perKey, type Pass } from './custom-op.js';
import { callKernel, hasKernel, recording } from './direct-kernel.js';
import { affine, preActivate, product } from './fused-ops.js';
import { coupledCarry } from './gate.js';
import { GatedLayer, type GatedLayerArgs, type GateWeights } from './gated-layer.js';

type Shape = Array<number | null>;
type Weights = [x: tf.Tensor2D, wh: tf.Tensor2D, bh: tf.Tensor1D, wt: tf.Tensor2D, bt: tf.Tensor1D];

/** The value, the tensors the gradient needs (x, H, T), the gradient, and T (with `keep`). */
interface GatedPass extends Pass<tf.Tensor2D> {
  t: tf.Tensor2D | undefined;
}

/** The formulas as ops: where the backend has no highway kernels, and the reference for them. */
function withOps(activation: Activation, [x, wh, bh, wt, bt]: Weights): GatedPass {
  const h = preActivate(x, wh, bh, activation);
  const t = affine(x, wt, bt, 'sigmoid');
  return {
    value: coupledCarry(x, h, t) as tf.Tensor2D,
    t,
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
 * call (on wasm, one call into WebAssembly); H and T are kept only when `keep`.
 */
function withKernels(activation: Activation, [x, wh, bh, wt, bt]: Weights, keep: boolean): GatedPass {
  const [y, h, t] = callKernel('HighwayForward', { x, wh, bh, wt, bt }, { activation, keep })!;
  return {
    value: y as tf.Tensor2D,
    t: t as tf.Tensor2D | undefined,
    saved: keep ? [x, h!, t!] : [],
    gradFunc: (dy, saved) => {
      const [sx, sh, st] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      return callKernel('HighwayGradients', { x: sx, h: sh, t: st, dy, wh, wt }, { activation })!;
    },
  };
}

/** The op's forward pass on this backend (its kernels where it has them); H and T only when `keep`. */
const forward = (activation: Activation, w: Weights, keep: boolean): GatedPass =>
  hasKernel('HighwayForward') ? withKernels(activation, w, keep) : withOps(activation, w);

/** The coupled layer as one op with its closed-form gradient; H and T are kept only while a gradient is recorded. */
export const highwayDenseCoupled = perKey((activation: Activation) => customOp<Weights, tf.Tensor2D>((w) => forward(activation, w, recording())));

/** The op's forward pass with its transform gate (no gradient): y and T as training computes them. */
export function highwayDenseGate(activation: Activation, ...w: Weights): { y: tf.Tensor2D; t: tf.Tensor2D } {
  const { value, t } = forward(activation, w, true);
  return { y: value, t: t! };
}

export type HighwayDenseArgs = GatedLayerArgs;

export class HighwayDense extends GatedLayer {
  static className = 'HighwayDense';

  constructor(args: HighwayDenseArgs = {}) {
    super(args);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const n = shape[shape.length - 1];
    if (shape.length !== 2 || n == null) {
      throw new UserError(`HighwayDense "${this.name}": expected input [batch, units], got [${shape.join(', ')}]`);
    }
    this.addGateWeights([n, n], n);
  }

  protected transform(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    return tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
  }

  protected coupled(x: tf.Tensor, [wh, bh]: GateWeights, [wt, bt]: GateWeights): tf.Tensor {
    return highwayDenseCoupled(this.activation)(x as tf.Tensor2D, wh as tf.Tensor2D, bh as tf.Tensor1D, wt as tf.Tensor2D, bt as tf.Tensor1D);
  }

  protected coupledWithGate(x: tf.Tensor, [wh, bh]: GateWeights, [wt, bt]: GateWeights): { y: tf.Tensor; t: tf.Tensor } {
    return highwayDenseGate(this.activation, x as tf.Tensor2D, wh as tf.Tensor2D, bh as tf.Tensor1D, wt as tf.Tensor2D, bt as tf.Tensor1D);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.gateConfig(), ...super.getConfig() };
  }
}
tf.serialization.registerClass(HighwayDense);
