/**
 * The convolutional highway layer (channels last), and the coupled layer's op. H and T are k×k
 * convolutions with stride 1, "same" zero padding and as many filters as input channels, so y
 * has x's shape. The coupled layer is one differentiable op with the paper's closed-form
 * gradient: with A = conv(x, [W_H | W_T]) + [b_H | b_T] (H and T as one convolution of 2C
 * outputs), H = act(A_H), T = σ(A_T), y = x + T·(H − x):
 *   dA = [T·dy·act'(H) | (H − x)·dy·T·(1 − T)],  dx = (1 − T)·dy + conv2dᵀ(dA, [W_H | W_T]),
 *   [dW_H | dW_T] = x ⋆ dA (the filter gradient),  db = Σ dA.
 * On wasm two SIMD kernels do all of it for 3×3 layers (backend/conv-kernels.ts: Winograd
 * convolution, the elementwise parts fused into its passes); elsewhere the same formulas run as
 * TF.js ops. `highway analyze` runs the op's forward pass with T (highwayConvGate).
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors.js';
import type { Activation } from '../base/vocabulary.js';
import { activate, one, throughActivation } from './activations.js';
import { customOp, perKey, type Pass } from './custom-op.js';
import { callKernel, hasKernel } from './direct-kernel.js';
import { coupledCarry } from './gate.js';
import { GatedLayer, type GatedLayerArgs, type GateWeights } from './gated-layer.js';

type Shape = Array<number | null>;
type Weights = [x: tf.Tensor4D, wh: tf.Tensor4D, bh: tf.Tensor1D, wt: tf.Tensor4D, bt: tf.Tensor1D];

/** The value, the tensors the gradient needs, the gradient, and T. */
interface GatedPass extends Pass<tf.Tensor4D> {
  t: tf.Tensor4D;
}

const SAME = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] } as const;

/** The formulas as TF.js ops: where the SIMD kernels do not run, and the reference for them. */
function withOps(activation: Activation, [x, wh, bh, wt, bt]: Weights): GatedPass {
  const w = tf.concat([wh, wt], 3);
  const [ah, at] = tf.split(tf.add(tf.conv2d(x, w, 1, 'same'), tf.concat([bh, bt])), 2, 3) as [tf.Tensor4D, tf.Tensor4D];
  const h = activate(activation, ah);
  const t = tf.sigmoid(at);
  return {
    value: coupledCarry(x, h, t) as tf.Tensor4D,
    t,
    saved: [x, h, t, w],
    gradFunc: (dy, saved) => {
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
function withKernels(activation: Activation, [x, wh, bh, wt, bt]: Weights): GatedPass {
  const [y, h, t, xp] = callKernel('HighwayConv2D', { x, wh, bh, wt, bt }, { activation })!;
  return {
    value: y as tf.Tensor4D,
    t: t as tf.Tensor4D,
    saved: [h, t, xp, wh, wt],
    gradFunc: (dy, saved) => {
      const [sh, st, sxp, swh, swt] = saved;
      return callKernel('HighwayConv2DBackward', { dy, h: sh!, t: st!, xp: sxp!, wh: swh!, wt: swt! }, { activation })!;
    },
  };
}

/** Where the backend has the kernels (wasm with its SIMD module): 3×3 kernels, square images, C % 8 = 0. */
function fusedApplies([, h, w, c]: number[], [kh, kw]: number[]): boolean {
  return hasKernel('HighwayConv2D') && kh === 3 && kw === 3 && h === w && c! % 8 === 0;
}

const forward = (activation: Activation, w: Weights): GatedPass => (fusedApplies(w[0].shape, w[1].shape) ? withKernels : withOps)(activation, w);

/** The coupled conv layer as one op with its closed-form gradient. */
export const highwayConvCoupled = perKey((activation: Activation) => customOp<Weights, tf.Tensor4D>((w) => forward(activation, w)));

/** The op's forward pass with its transform gate (no gradient): y and T as training computes them. */
export function highwayConvGate(activation: Activation, ...w: Weights): { y: tf.Tensor4D; t: tf.Tensor4D } {
  const { value, t } = forward(activation, w);
  return { y: value, t };
}

export interface HighwayConv2DArgs extends GatedLayerArgs {
  /** Odd square kernel size shared by H and T (and C). Default 3. */
  kernelSize?: number;
}

export class HighwayConv2D extends GatedLayer {
  static className = 'HighwayConv2D';
  readonly kernelSize: number;

  constructor(args: HighwayConv2DArgs = {}) {
    super(args);
    this.kernelSize = args.kernelSize ?? 3;
    if (!Number.isInteger(this.kernelSize) || this.kernelSize < 1 || this.kernelSize % 2 === 0) {
      throw new UserError(`HighwayConv2D: kernelSize must be an odd positive integer (so "same" padding keeps the shape), got ${this.kernelSize}`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const c = shape[3];
    if (shape.length !== 4 || c == null) {
      throw new UserError(`HighwayConv2D "${this.name}": expected input [batch, height, width, channels], got [${shape.join(', ')}]`);
    }
    this.addGateWeights([this.kernelSize, this.kernelSize, c, c], c);
  }

  protected transform(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    return tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
  }

  protected coupled(x: tf.Tensor, [wh, bh]: GateWeights, [wt, bt]: GateWeights): tf.Tensor {
    return highwayConvCoupled(this.activation)(x as tf.Tensor4D, wh as tf.Tensor4D, bh as tf.Tensor1D, wt as tf.Tensor4D, bt as tf.Tensor1D);
  }

  protected coupledWithGate(x: tf.Tensor, [wh, bh]: GateWeights, [wt, bt]: GateWeights): { y: tf.Tensor; t: tf.Tensor } {
    return highwayConvGate(this.activation, x as tf.Tensor4D, wh as tf.Tensor4D, bh as tf.Tensor1D, wt as tf.Tensor4D, bt as tf.Tensor1D);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { kernelSize: this.kernelSize, ...this.gateConfig(), ...super.getConfig() };
  }
}
tf.serialization.registerClass(HighwayConv2D);
