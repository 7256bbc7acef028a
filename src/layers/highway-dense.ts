import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors.js';
import { GatedLayer, type GatedLayerArgs } from './gated-layer.js';
import { highwayDenseCoupled } from './fused-highway.js';

type Shape = Array<number | null>;

export type HighwayDenseArgs = GatedLayerArgs;

/**
 * Fully connected highway layer: y = H(x)·T(x) + x·C(x), with H = act(x·W_H + b_H),
 * T = σ(x·W_T + b_T), C = 1 − T (coupled) or σ(x·W_C + b_C). Output shape = input shape.
 */
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

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (this.carry !== 'coupled') return super.call(inputs);
    // the paper's form: one op with the closed-form gradient (see fused-highway.ts)
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor2D;
      const [wh, bh] = this.gate('h');
      const [wt, bt] = this.gate('t');
      return highwayDenseCoupled(this.activation)(x, wh as tf.Tensor2D, bh as tf.Tensor1D, wt as tf.Tensor2D, bt as tf.Tensor1D);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.gateConfig(), ...super.getConfig() };
  }
}
tf.serialization.registerClass(HighwayDense);
