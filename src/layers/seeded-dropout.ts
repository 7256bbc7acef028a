import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../errors.js';
import { deriveSeed } from '../util/random.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface SeededDropoutArgs extends LayerArgs {
  /** Fraction of the inputs set to 0 in training (the rest scaled by 1 / (1 − rate)). */
  rate: number;
  /** Seed of the mask stream: the k-th training call uses the mask of seed (seed, k). */
  seed: number;
}

/**
 * Dropout whose masks differ from one training step to the next and are still reproducible.
 * (tfjs-layers' Dropout given a seed builds a fresh generator from it on every call, so every
 * step drew the same mask.) Here the k-th training-mode call draws its mask from the seed
 * derived from (seed, k): the same run replays the same masks, consecutive steps differ.
 * Outside training it is the identity.
 */
export class SeededDropout extends tfl.layers.Layer {
  static className = 'SeededDropout';
  readonly rate: number;
  readonly seed: number;
  /**
   * Training-mode calls so far: the next mask's index. A checkpoint records it (layers/stepwise.ts)
   * so that a resumed run draws the masks the uninterrupted run would have drawn.
   */
  trainingCalls = 0;

  constructor(args: SeededDropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new UserError(`SeededDropout: rate must be in [0, 1), got ${args.rate}`);
    if (!Number.isInteger(args.seed)) throw new UserError(`SeededDropout: seed must be an integer, got ${args.seed}`);
    this.rate = args.rate;
    this.seed = args.seed;
    this.supportsMasking = true;
  }

  override computeOutputShape<S>(inputShape: S): S {
    return inputShape;
  }

  override computeMask(_inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return mask as tf.Tensor;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (!kwargs.training || this.rate === 0) return x;
    const seed = deriveSeed(this.seed, 'mask', this.trainingCalls++);
    return tf.tidy(() => tf.dropout(x, this.rate, undefined, seed));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { rate: this.rate, seed: this.seed, ...super.getConfig() };
  }
}
tf.serialization.registerClass(SeededDropout);
