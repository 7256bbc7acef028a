/**
 * The recurrent layers the bilstm stacks are built of: a plain bidirectional LSTM layer, and the
 * recurrent highway layer whose H is one (the seed's highway BiLSTM). The LSTM itself is
 * bidirectional-lstm.ts; pooling over time is masked-pooling.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../errors.js';
import type { InitName } from '../base/vocabulary.js';
import { kernelInitializer, normalizeInitName, orthogonalRows } from './initializers.js';
import { bidirectionalLstm } from './bidirectional-lstm.js';
import { GATE_DEFAULTS, checkGateBias, coupledCarry } from './gate.js';

type Shape = Array<number | null>;
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Kwargs = { mask?: tf.Tensor; training?: boolean };

export interface RecurrentArgs extends LayerArgs {
  /** LSTM units per direction. */
  units: number;
  /** Initializer of the input kernels (the recurrent kernel is orthogonal). Default glorot_uniform. */
  kernelInitializer?: InitName;
  /** Seed for the initializers (kernel seed, recurrent seed + 1, projection + 2, gate + 3). */
  seed?: number;
}

/** Shared by the plain and highway bidirectional LSTM layers: the LSTM weights and masking. */
abstract class BiLstmBase extends tfl.layers.Layer {
  readonly units: number;
  readonly kernelInit: InitName;
  readonly seed: number | undefined;
  protected lstm: { kernel: tfl.LayerVariable; recurrent: tfl.LayerVariable; bias: tfl.LayerVariable } | null = null;

  constructor(args: RecurrentArgs) {
    super(args);
    if (!Number.isInteger(args.units) || args.units < 1) throw new UserError(`${this.getClassName()}: units must be a positive integer, got ${args.units}`);
    this.units = args.units;
    this.kernelInit = normalizeInitName(args.kernelInitializer ?? 'glorot_uniform', this.getClassName());
    this.seed = args.seed;
    this.supportsMasking = true;
  }

  protected seedPlus(k: number): number | undefined {
    return this.seed === undefined ? undefined : this.seed + k;
  }

  protected inputWidth(inputShape: Shape | Shape[]): number {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const d = shape[2];
    if (shape.length !== 3 || d == null) {
      throw new UserError(`${this.getClassName()} "${this.name}": expected input [batch, time, features], got [${shape.join(', ')}]`);
    }
    return d;
  }

  protected addLstmWeights(d: number): void {
    const h = this.units;
    // forget-gate bias 1 (Jozefowicz et al. 2015), the rest 0; per direction i, f, g, o
    const bias = new Float32Array(8 * h);
    for (let dir = 0; dir < 2; dir++) bias.fill(1, dir * 4 * h + h, dir * 4 * h + 2 * h);
    this.lstm = {
      kernel: this.addWeight('lstm_kernel', [d, 8 * h], 'float32', kernelInitializer(this.kernelInit, this.seedPlus(0))),
      recurrent: this.addWeight('lstm_recurrent', [h, 8 * h], 'float32', tfl.initializers.zeros()),
      bias: this.addWeight('lstm_bias', [8 * h], 'float32', tfl.initializers.zeros()),
    };
    // initial values no tfjs initializer gives: orthogonal rows per direction, forget-gate ones
    const rec = new Float32Array(h * 8 * h);
    for (let dir = 0; dir < 2; dir++) {
      const q = orthogonalRows(h, 4 * h, (this.seedPlus(1) ?? Math.floor(Math.random() * 2 ** 31)) + dir);
      for (let r = 0; r < h; r++) rec.set(q.subarray(r * 4 * h, (r + 1) * 4 * h), r * 8 * h + dir * 4 * h);
    }
    tf.tidy(() => {
      this.lstm!.recurrent.write(tf.tensor2d(rec, [h, 8 * h]));
      this.lstm!.bias.write(tf.tensor1d(bias));
    });
  }

  protected runLstm(x: tf.Tensor3D, mask: tf.Tensor | undefined): tf.Tensor3D {
    const l = this.lstm!;
    const m = mask ? (tf.cast(mask, 'float32') as tf.Tensor2D) : null;
    return bidirectionalLstm(x, m, { kernel: l.kernel.read(), recurrent: l.recurrent.read(), bias: l.bias.read() });
  }

  override computeMask(_inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return mask as tf.Tensor;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { units: this.units, kernelInitializer: this.kernelInit, ...super.getConfig() };
    if (this.seed !== undefined) config.seed = this.seed;
    return config;
  }
}

/** Plain bidirectional LSTM layer: [batch, time, d] → [batch, time, 2·units]. */
export class BiLSTM extends BiLstmBase {
  static className = 'BiLSTM';

  override build(inputShape: Shape | Shape[]): void {
    this.addLstmWeights(this.inputWidth(inputShape));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [shape[0]!, shape[1]!, 2 * this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => this.runLstm((Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor3D, kwargs.mask));
  }
}
tf.serialization.registerClass(BiLSTM);

export interface HighwayBiLSTMArgs extends RecurrentArgs {
  /** Initial b_T. Default −2, as every highway layer's (gate.ts). */
  gateBias?: number;
}

/**
 * Recurrent highway layer (the seed's highway BiLSTM): per time step
 * H = [LSTM→(x), LSTM←(x)]·W_P + b_P (the BiLSTM's output projected back to x's width d),
 * T = σ(x·W_T + b_T), y = H·T + x·(1 − T). Output shape = input shape.
 */
export class HighwayBiLSTM extends BiLstmBase {
  static className = 'HighwayBiLSTM';
  readonly gateBias: number;
  private extra: { projKernel: tfl.LayerVariable; projBias: tfl.LayerVariable; gateKernel: tfl.LayerVariable; gateBiasVar: tfl.LayerVariable } | null = null;

  constructor(args: HighwayBiLSTMArgs) {
    super(args);
    this.gateBias = args.gateBias ?? GATE_DEFAULTS.gateBias;
    checkGateBias(this.getClassName(), this.gateBias);
  }

  override build(inputShape: Shape | Shape[]): void {
    const d = this.inputWidth(inputShape);
    this.addLstmWeights(d);
    this.extra = {
      projKernel: this.addWeight('kernel_h', [2 * this.units, d], 'float32', kernelInitializer(this.kernelInit, this.seedPlus(2))),
      projBias: this.addWeight('bias_h', [d], 'float32', tfl.initializers.zeros()),
      gateKernel: this.addWeight('kernel_t', [d, d], 'float32', kernelInitializer(this.kernelInit, this.seedPlus(3))),
      gateBiasVar: this.addWeight('bias_t', [d], 'float32', tfl.initializers.constant({ value: this.gateBias })),
    };
    this.built = true;
  }

  override computeOutputShape<S>(inputShape: S): S {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => this.gateActivity((Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor3D, false, kwargs.mask).y);
  }

  /** The forward pass with T exposed ([batch, time, d]); `lesion` forces T = 0 (y = x). */
  gateActivity(x: tf.Tensor3D, lesion = false, mask?: tf.Tensor): { t: tf.Tensor; y: tf.Tensor } {
    return tf.tidy(() => {
      const e = this.extra!;
      const [b, steps, d] = x.shape;
      const flat = tf.reshape(x, [b * steps, d]) as tf.Tensor2D;
      const t = lesion ? tf.zerosLike(flat) : tf.sigmoid(tf.add(tf.matMul(flat, e.gateKernel.read() as tf.Tensor2D), e.gateBiasVar.read()));
      const lstm = this.runLstm(x, mask);
      const hOut = tf.add(tf.matMul(tf.reshape(lstm, [b * steps, 2 * this.units]) as tf.Tensor2D, e.projKernel.read() as tf.Tensor2D), e.projBias.read());
      const y = coupledCarry(flat, hOut, t);
      return { t: tf.reshape(t, [b, steps, d]), y: tf.reshape(y, [b, steps, d]) };
    });
  }

  gateBiasValues(): Float32Array {
    return this.extra!.gateBiasVar.read().dataSync() as Float32Array;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { gateBias: this.gateBias, ...super.getConfig() };
  }
}
tf.serialization.registerClass(HighwayBiLSTM);
