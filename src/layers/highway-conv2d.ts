import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors.js';
import { GatedLayer, type GatedLayerArgs } from './gated-layer.js';
import { highwayConvCoupled } from './fused-conv.js';

type Shape = Array<number | null>;

export interface HighwayConv2DArgs extends GatedLayerArgs {
  /** Odd square kernel size shared by H and T (and C). Default 3. */
  kernelSize?: number;
}

/**
 * Convolutional highway layer (channels last): H and T are k×k convolutions with stride 1,
 * "same" zero padding and as many filters as input channels, so y has x's shape.
 */
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

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (this.carry !== 'coupled' || this.kernelSize !== 3) return super.call(inputs);
    // the paper's form: one op with the closed-form gradient, H and T as one convolution (fused-conv.ts)
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      const [wh, bh] = this.gate('h');
      const [wt, bt] = this.gate('t');
      return highwayConvCoupled(this.activation)(x, wh as tf.Tensor4D, bh as tf.Tensor1D, wt as tf.Tensor4D, bt as tf.Tensor1D);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { kernelSize: this.kernelSize, ...this.gateConfig(), ...super.getConfig() };
  }
}
tf.serialization.registerClass(HighwayConv2D);
