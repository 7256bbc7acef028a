import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Activation, Carry, InitName } from '../config/schema.js';
import { UserError } from '../errors.js';
import { kernelInitializer, normalizeInitName } from './initializers.js';
import { activate, checkGateArgs, combine } from './gate.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;
type LayerVariable = tfl.LayerVariable;

export interface HighwayConv2DArgs extends LayerArgs {
  /** Odd square kernel size shared by H and T (and C). Default 3. */
  kernelSize?: number;
  activation?: Activation;
  gateBias?: number;
  carry?: Carry;
  carryBias?: number;
  kernelInitializer?: InitName;
  seed?: number;
}

/**
 * Convolutional highway layer (channels last): H and T are k×k convolutions with stride 1,
 * "same" zero padding and as many filters as input channels, so y has x's shape.
 */
export class HighwayConv2D extends tfl.layers.Layer {
  static className = 'HighwayConv2D';
  readonly kernelSize: number;
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

  constructor(args: HighwayConv2DArgs = {}) {
    super(args);
    this.kernelSize = args.kernelSize ?? 3;
    this.activation = args.activation ?? 'relu';
    this.gateBias = args.gateBias ?? -2;
    this.carry = args.carry ?? 'coupled';
    this.carryBias = args.carryBias ?? 2;
    this.kernelInit = normalizeInitName(args.kernelInitializer ?? 'glorot_uniform', this.getClassName());
    this.seed = args.seed;
    if (!Number.isInteger(this.kernelSize) || this.kernelSize < 1 || this.kernelSize % 2 === 0) {
      throw new UserError(`HighwayConv2D: kernelSize must be an odd positive integer (so "same" padding keeps the shape), got ${this.kernelSize}`);
    }
    checkGateArgs('HighwayConv2D', this);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const c = shape[3];
    if (shape.length !== 4 || c == null) {
      throw new UserError(`HighwayConv2D "${this.name}": expected input [batch, height, width, channels], got [${shape.join(', ')}]`);
    }
    const k = this.kernelSize;
    const s = (i: number) => (this.seed === undefined ? undefined : this.seed + i);
    const zeros = tfl.initializers.zeros();
    this.kernelH = this.addWeight('kernel_h', [k, k, c, c], 'float32', kernelInitializer(this.kernelInit, s(0)));
    this.biasH = this.addWeight('bias_h', [c], 'float32', zeros);
    this.kernelT = this.addWeight('kernel_t', [k, k, c, c], 'float32', kernelInitializer(this.kernelInit, s(1)));
    this.biasT = this.addWeight('bias_t', [c], 'float32', tfl.initializers.constant({ value: this.gateBias }));
    if (this.carry === 'independent') {
      this.kernelC = this.addWeight('kernel_c', [k, k, c, c], 'float32', kernelInitializer(this.kernelInit, s(2)));
      this.biasC = this.addWeight('bias_c', [c], 'float32', tfl.initializers.constant({ value: this.carryBias }));
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const conv = (w: LayerVariable, b: LayerVariable) => tf.add(tf.conv2d(x, w.read() as tf.Tensor4D, 1, 'same'), b.read());
      const h = activate(this.activation, conv(this.kernelH, this.biasH));
      const cPre = this.kernelC && this.biasC ? conv(this.kernelC, this.biasC) : null;
      return combine(x, h, conv(this.kernelT, this.biasT), cPre);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      kernelSize: this.kernelSize,
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
tf.serialization.registerClass(HighwayConv2D);
