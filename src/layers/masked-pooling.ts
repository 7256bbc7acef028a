import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Shape = Array<number | null>;
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Kwargs = { mask?: tf.Tensor };

/**
 * Mean over time of the real tokens only: [batch, time, d] with mask [batch, time] → [batch, d].
 * (tfjs-layers' GlobalAveragePooling1D ignores masks, so padding would be averaged in.)
 */
export class MaskedMeanPooling extends tfl.layers.Layer {
  static className = 'MaskedMeanPooling';

  constructor(args: LayerArgs = {}) {
    super(args);
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [shape[0]!, shape[2]!];
  }

  override computeMask(): tf.Tensor {
    // no mask after pooling over time
    return null as unknown as tf.Tensor;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor3D;
      return kwargs.mask ? maskedMeanOverTime(x, kwargs.mask) : tf.mean(x, 1);
    });
  }
}

/** [batch, time] mask (bool or 0/1) as float weights [batch, time, 1]. */
export const tokenWeights = (mask: tf.Tensor): tf.Tensor => tf.expandDims(tf.cast(mask, 'float32'), 2);

/** Mean over time of x [batch, time, d] at the mask's tokens; an all-padding row gives 0, not 0/0. */
export function maskedMeanOverTime(x: tf.Tensor, mask: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const m = tokenWeights(mask);
    return tf.div(tf.sum(tf.mul(x, m), 1), tf.maximum(tf.sum(m, 1), 1)) as tf.Tensor2D;
  });
}
tf.serialization.registerClass(MaskedMeanPooling);
