import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Activation, Carry, InitName } from '../config/schema.js';
import { UserError } from '../errors.js';
import { kernelInitializer, normalizeInitName } from './initializers.js';
import { activate, checkGateArgs, combine } from './gate.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;
type LayerVariable = tfl.LayerVariable;

export interface HighwayDenseArgs extends LayerArgs {
  /** Nonlinearity of H. Default relu. */
  activation?: Activation;
  /** Initial value of b_T, the transform gate's bias. Negative = start close to carrying x. Default −2. */
  gateBias?: number;
  /** coupled: C = 1 − T (the paper). independent: C = σ(x·W_C + b_C). Default coupled. */
  carry?: Carry;
  /** Initial b_C for independent carry. Default +2. */
  carryBias?: number;
  /** Kernel initializer for W_H, W_T (and W_C). Default glorot_uniform. */
  kernelInitializer?: InitName;
  /** Seed for the kernel initializers; W_H, W_T, W_C use seed, seed+1, seed+2. */
  seed?: number;
}

/**
 * Fully connected highway layer: y = H(x)·T(x) + x·C(x), with H = act(x·W_H + b_H),
 * T = σ(x·W_T + b_T). Output shape = input shape.
 */
export class HighwayDense extends tfl.layers.Layer {
  static className = 'HighwayDense';
  readonly activation: Activation;
  readonly gateBias: number;
  readonly carry: Carry;
  readonly carryBias: number;
  readonly kernelInit: InitName;
  readonly seed: number | undefined;
  private kernelH!: LayerVariable;
  private biasH!: LayerVariable;
  private kernelT!: LayerVariable;
  private biasT!: LayerVariable;
  private kernelC: LayerVariable | null = null;
  private biasC: LayerVariable | null = null;

  constructor(args: HighwayDenseArgs = {}) {
    super(args);
    this.activation = args.activation ?? 'relu';
    this.gateBias = args.gateBias ?? -2;
    this.carry = args.carry ?? 'coupled';
    this.carryBias = args.carryBias ?? 2;
    this.kernelInit = normalizeInitName(args.kernelInitializer ?? 'glorot_uniform', this.getClassName());
    this.seed = args.seed;
    checkGateArgs('HighwayDense', this);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const n = shape[shape.length - 1];
    if (shape.length !== 2 || n == null) {
      throw new UserError(`HighwayDense "${this.name}": expected input [batch, units], got [${shape.join(', ')}]`);
    }
    const s = (k: number) => (this.seed === undefined ? undefined : this.seed + k);
    const zeros = tfl.initializers.zeros();
    this.kernelH = this.addWeight('kernel_h', [n, n], 'float32', kernelInitializer(this.kernelInit, s(0)));
    this.biasH = this.addWeight('bias_h', [n], 'float32', zeros);
    this.kernelT = this.addWeight('kernel_t', [n, n], 'float32', kernelInitializer(this.kernelInit, s(1)));
    this.biasT = this.addWeight('bias_t', [n], 'float32', tfl.initializers.constant({ value: this.gateBias }));
    if (this.carry === 'independent') {
      this.kernelC = this.addWeight('kernel_c', [n, n], 'float32', kernelInitializer(this.kernelInit, s(2)));
      this.biasC = this.addWeight('bias_c', [n], 'float32', tfl.initializers.constant({ value: this.carryBias }));
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      const affine = (w: LayerVariable, b: LayerVariable) => tf.add(tf.matMul(x, w.read() as tf.Tensor2D), b.read());
      const h = activate(this.activation, affine(this.kernelH, this.biasH));
      const cPre = this.kernelC && this.biasC ? affine(this.kernelC, this.biasC) : null;
      return combine(x, h, affine(this.kernelT, this.biasT), cPre);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      activation: this.activation,
      gateBias: this.gateBias,
      carry: this.carry,
      carryBias: this.carryBias,
      kernelInitializer: this.kernelInit,
    };
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...config, ...super.getConfig() };
  }
}
tf.serialization.registerClass(HighwayDense);
