import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Activation, Carry, InitName } from '../base/vocabulary.js';
import { kernelInitializer, normalizeInitName } from './initializers.js';
import { activate } from './activations.js';
import { GATE_DEFAULTS, checkGateArgs } from './gate.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type LayerVariable = tfl.LayerVariable;

export interface GatedLayerArgs extends LayerArgs {
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

/** A gate's current [kernel, bias]. */
export type GateWeights = [tf.Tensor, tf.Tensor];

/**
 * What every highway layer shares: the gate arguments, the H/T(/C) weights with their initial
 * biases, and y = H·T + x·C. Subclasses give the coupled layer's op (with its closed-form
 * gradient, and its forward pass with T for the analysis) and say how x meets a kernel (matMul,
 * conv2d) for the independent carry.
 */
export abstract class GatedLayer extends tfl.layers.Layer {
  readonly activation: Activation;
  readonly gateBias: number;
  readonly carry: Carry;
  readonly carryBias: number;
  readonly kernelInit: InitName;
  readonly seed: number | undefined;
  private gateWeights: { h: [LayerVariable, LayerVariable]; t: [LayerVariable, LayerVariable]; c: [LayerVariable, LayerVariable] | null } | null = null;

  constructor(args: GatedLayerArgs) {
    super(args);
    this.activation = args.activation ?? GATE_DEFAULTS.activation;
    this.gateBias = args.gateBias ?? GATE_DEFAULTS.gateBias;
    this.carry = args.carry ?? GATE_DEFAULTS.carry;
    this.carryBias = args.carryBias ?? GATE_DEFAULTS.carryBias;
    this.kernelInit = normalizeInitName(args.kernelInitializer ?? 'glorot_uniform', this.getClassName());
    this.seed = args.seed;
    checkGateArgs(this.getClassName(), this);
  }

  /** x meets kernel w (before the bias): x·W for dense, conv(x, W) for images. */
  protected abstract transform(x: tf.Tensor, w: tf.Tensor): tf.Tensor;

  /** The coupled layer, y = x + T·(H − x), as one op with its closed-form gradient (what training runs). */
  protected abstract coupled(x: tf.Tensor, h: GateWeights, t: GateWeights): tf.Tensor;

  /** The same op's forward pass, with T: y and T exactly as training computes them. */
  protected abstract coupledWithGate(x: tf.Tensor, h: GateWeights, t: GateWeights): { y: tf.Tensor; t: tf.Tensor };

  /** Add W_H, b_H, W_T, b_T (and W_C, b_C), in that order; `units` is the bias length. */
  protected addGateWeights(kernelShape: number[], units: number): void {
    const seed = (k: number) => (this.seed === undefined ? undefined : this.seed + k);
    const pair = (name: string, k: number, bias: ReturnType<typeof tfl.initializers.zeros>): [LayerVariable, LayerVariable] => [
      this.addWeight(`kernel_${name}`, kernelShape, 'float32', kernelInitializer(this.kernelInit, seed(k))),
      this.addWeight(`bias_${name}`, [units], 'float32', bias),
    ];
    this.gateWeights = {
      h: pair('h', 0, tfl.initializers.zeros()),
      t: pair('t', 1, tfl.initializers.constant({ value: this.gateBias })),
      c: this.carry === 'independent' ? pair('c', 2, tfl.initializers.constant({ value: this.carryBias })) : null,
    };
    this.built = true;
  }

  /** The current [kernel, bias] tensors of gate `h`, `t` or (independent carry) `c`. */
  protected gate(which: 'h' | 't' | 'c'): GateWeights {
    const pair = this.gateWeights?.[which];
    if (!pair) throw new Error(`${this.name}: gate ${which} is not built`);
    return [pair[0].read(), pair[1].read()];
  }

  override computeOutputShape<S>(inputShape: S): S {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      return this.carry === 'coupled' ? this.coupled(x, this.gate('h'), this.gate('t')) : this.independent(x).y;
    });
  }

  /**
   * The layer's forward pass with its transform gate exposed, computed as call() computes it:
   * T (same shape as x) and y. With `lesion` the layer is the identity, y = x, for the analysis:
   * T forced to 0 and, with an independent carry, C to 1.
   */
  gateActivity(x: tf.Tensor, lesion = false): { t: tf.Tensor; y: tf.Tensor } {
    if (lesion) return { t: tf.zerosLike(x), y: x };
    return tf.tidy(() => (this.carry === 'coupled' ? this.coupledWithGate(x, this.gate('h'), this.gate('t')) : this.independent(x)));
  }

  /** y = H·T + x·C with the independent carry gate C = σ(x·W_C + b_C), through autodiff. */
  private independent(x: tf.Tensor): { t: tf.Tensor; y: tf.Tensor } {
    const pre = ([k, b]: GateWeights) => tf.add(this.transform(x, k), b);
    const t = tf.sigmoid(pre(this.gate('t')));
    const h = activate(this.activation, pre(this.gate('h')));
    const c = tf.sigmoid(pre(this.gate('c')));
    return { t, y: tf.add(tf.mul(h, t), tf.mul(x, c)) };
  }

  /** The current transform-gate bias b_T. */
  gateBiasValues(): Float32Array {
    return this.gateWeights!.t[1].read().dataSync() as Float32Array;
  }

  /** The gate arguments, for subclasses' getConfig(). */
  protected gateConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      activation: this.activation,
      gateBias: this.gateBias,
      carry: this.carry,
      carryBias: this.carryBias,
      kernelInitializer: this.kernelInit,
    };
    if (this.seed !== undefined) config.seed = this.seed;
    return config;
  }
}
