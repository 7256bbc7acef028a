import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../errors.js';
import { activate } from './activations.js';
import { residualDense } from './fused-residual.js';
import { kernelInitializer, normalizeInitName } from './initializers.js';
import { ACTIVATIONS, RESIDUAL_FORMS, type Activation, type InitName, type ResidualForm } from '../base/vocabulary.js';

export { RESIDUAL_FORMS, type ResidualForm };

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;
/** W1, b1, W2, b2. */
type BlockWeights = [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];

/**
 * Where the nonlinearity sits (He et al. 2016, "Identity Mappings in Deep Residual Networks"):
 * - identity: y = x + W2·act(W1·x + b1) + b2 — a clean identity path, nothing after the sum;
 * - pre:      y = x + W2·act(W1·act(x) + b1) + b2 — the pre-activation block (no batch norm);
 * - post:     y = act(x + W2·act(W1·x + b1) + b2) — the original block (no batch norm).
 */

export interface ResidualArgs extends LayerArgs {
  /** Nonlinearity inside the block. Default relu. */
  activation?: Activation;
  /** Default post (the one that trained at depth 100 without batch norm here; docs/extending.md). */
  form?: ResidualForm;
  /** Initializer of W1 (and of W2 unless zeroInitLast). Default he_uniform, the usual one for residual nets. */
  kernelInitializer?: InitName;
  /** Start W2 (and b2) at zero, so every block starts as the identity. Default false. */
  zeroInitLast?: boolean;
  /** Multiplies W1's initial values (Fixup: depth^(−1/2) for two-layer branches). Default 1. */
  initScale?: number;
  /** Seed for the initializers: W1 uses seed, W2 seed + 1. */
  seed?: number;
}

/**
 * What every residual block shares: two weight layers of x's width, y = x + F(x). Subclasses
 * compute the block from its weights (dense: one fused op; conv: the formula). With both gates of a highway layer fixed open
 * (T = 1, C = 1) a highway layer is this block with one weight layer.
 */
export abstract class ResidualBlock extends tfl.layers.Layer {
  readonly activation: Activation;
  readonly form: ResidualForm;
  readonly kernelInit: InitName;
  readonly zeroInitLast: boolean;
  readonly initScale: number;
  readonly seed: number | undefined;
  private w: { k1: tfl.LayerVariable; b1: tfl.LayerVariable; k2: tfl.LayerVariable; b2: tfl.LayerVariable } | null = null;

  constructor(args: ResidualArgs) {
    super(args);
    this.activation = args.activation ?? 'relu';
    this.form = args.form ?? 'post';
    this.kernelInit = normalizeInitName(args.kernelInitializer ?? 'he_uniform', this.getClassName());
    this.zeroInitLast = args.zeroInitLast ?? false;
    this.initScale = args.initScale ?? 1;
    this.seed = args.seed;
    if (!(ACTIVATIONS as readonly string[]).includes(this.activation))
      throw new UserError(`${this.getClassName()}: activation must be one of ${ACTIVATIONS.join(', ')}, got "${this.activation}"`);
    if (!(RESIDUAL_FORMS as readonly string[]).includes(this.form))
      throw new UserError(`${this.getClassName()}: form must be one of ${RESIDUAL_FORMS.join(', ')}, got "${this.form}"`);
  }

  /** y for the weights W1, b1, W2, b2, in the block's form. */
  protected abstract block(x: tf.Tensor, w: BlockWeights): tf.Tensor;

  protected addBlockWeights(kernelShape: number[], units: number): void {
    const seed = (k: number) => (this.seed === undefined ? undefined : this.seed + k);
    const last = this.zeroInitLast ? tfl.initializers.zeros() : kernelInitializer(this.kernelInit, seed(1));
    this.w = {
      k1: this.addWeight('kernel_1', kernelShape, 'float32', kernelInitializer(this.kernelInit, seed(0))),
      b1: this.addWeight('bias_1', [units], 'float32', tfl.initializers.zeros()),
      k2: this.addWeight('kernel_2', kernelShape, 'float32', last),
      b2: this.addWeight('bias_2', [units], 'float32', tfl.initializers.zeros()),
    };
    if (this.initScale !== 1)
      tf.tidy(() => {
        this.w!.k1.write(tf.mul(this.w!.k1.read(), this.initScale));
      });
    this.built = true;
  }

  override computeOutputShape<S>(inputShape: S): S {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => this.residual(Array.isArray(inputs) ? inputs[0]! : inputs));
  }

  /** The block's output; with `lesion` it is the identity, y = x (the analysis's lesioning). */
  residual(x: tf.Tensor, lesion = false): tf.Tensor {
    if (lesion) return x;
    const w = this.w!;
    return this.block(x, [w.k1.read(), w.b1.read(), w.k2.read(), w.b2.read()]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      activation: this.activation,
      form: this.form,
      kernelInitializer: this.kernelInit,
      zeroInitLast: this.zeroInitLast,
      initScale: this.initScale,
      ...super.getConfig(),
    };
    if (this.seed !== undefined) config.seed = this.seed;
    return config;
  }
}

const lastDim = (inputShape: Shape | Shape[], rank: number, who: string, expected: string): number => {
  const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  const n = shape[shape.length - 1];
  if (shape.length !== rank || n == null) throw new UserError(`${who}: expected input ${expected}, got [${shape.join(', ')}]`);
  return n;
};

/** Fully connected residual block: output shape = input shape. */
export class ResidualDense extends ResidualBlock {
  static className = 'ResidualDense';

  override build(inputShape: Shape | Shape[]): void {
    const n = lastDim(inputShape, 2, `ResidualDense "${this.name}"`, '[batch, units]');
    this.addBlockWeights([n, n], n);
  }

  /** One op with the closed-form gradient (fused-residual.ts). */
  protected block(x: tf.Tensor, [w1, b1, w2, b2]: BlockWeights): tf.Tensor {
    return residualDense(this.activation, this.form)(x as tf.Tensor2D, w1 as tf.Tensor2D, b1 as tf.Tensor1D, w2 as tf.Tensor2D, b2 as tf.Tensor1D);
  }
}
tf.serialization.registerClass(ResidualDense);

export interface ResidualConv2DArgs extends ResidualArgs {
  /** Odd square kernel size of both convolutions. Default 3. */
  kernelSize?: number;
}

/** Convolutional residual block (channels last): two k×k "same" convolutions, filters = channels. */
export class ResidualConv2D extends ResidualBlock {
  static className = 'ResidualConv2D';
  readonly kernelSize: number;

  constructor(args: ResidualConv2DArgs = {}) {
    super(args);
    this.kernelSize = args.kernelSize ?? 3;
    if (!Number.isInteger(this.kernelSize) || this.kernelSize < 1 || this.kernelSize % 2 === 0) {
      throw new UserError(`ResidualConv2D: kernelSize must be an odd positive integer, got ${this.kernelSize}`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = lastDim(inputShape, 4, `ResidualConv2D "${this.name}"`, '[batch, height, width, channels]');
    this.addBlockWeights([this.kernelSize, this.kernelSize, c, c], c);
  }

  /** The formula, through autodiff: y = x + conv(act(conv(x', W1) + b1), W2) + b2, x' and the outer act by form. */
  protected block(x: tf.Tensor, [w1, b1, w2, b2]: BlockWeights): tf.Tensor {
    const act = (v: tf.Tensor) => activate(this.activation, v);
    const conv = (v: tf.Tensor, w: tf.Tensor) => tf.conv2d(v as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
    const input = this.form === 'pre' ? act(x) : x;
    const h = act(tf.add(conv(input, w1), b1));
    const y = tf.add(x, tf.add(conv(h, w2), b2));
    return this.form === 'post' ? act(y) : y;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { kernelSize: this.kernelSize, ...super.getConfig() };
  }
}
tf.serialization.registerClass(ResidualConv2D);
