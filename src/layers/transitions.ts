import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../errors.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;

/**
 * Parameter-free width changes on the last axis (units, or channels for images), so that a
 * highway layer's carry x has the new width. `pad` zero-pads x; `subsample` keeps every k-th.
 */
export interface FeatureResizeArgs extends LayerArgs {
  units: number;
}

function lastDim(shape: Shape | Shape[], who: string): { shape: Shape; n: number } {
  const s = (Array.isArray(shape[0]) ? shape[0] : shape) as Shape;
  const n = s[s.length - 1];
  if (n == null) throw new UserError(`${who}: the last input dimension must be known`);
  return { shape: s, n };
}

/** The shared skeleton: `units` argument, shape check, output shape, config. */
abstract class FeatureResize extends tfl.layers.Layer {
  readonly units: number;

  constructor(args: FeatureResizeArgs) {
    super(args);
    this.units = args.units;
  }

  /** Throws a UserError when width n cannot become `units` this way. */
  protected abstract check(n: number): void;

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const { shape, n } = lastDim(inputShape, `${this.getClassName()} "${this.name}"`);
    this.check(n);
    return [...shape.slice(0, -1), this.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { units: this.units, ...super.getConfig() };
  }
}

/** Zero-pad the last axis from n up to `units` (units ≥ n). */
export class FeaturePad extends FeatureResize {
  static className = 'FeaturePad';

  protected check(n: number): void {
    if (this.units < n) {
      throw new UserError(`transition "pad" cannot shrink width ${n} to ${this.units}: padding only widens (use "project" or "subsample")`);
    }
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const n = x.shape[x.rank - 1]!;
      const pads = x.shape.map((_, i): [number, number] => (i === x.rank - 1 ? [0, this.units - n] : [0, 0]));
      return tf.pad(x, pads);
    });
  }
}
tf.serialization.registerClass(FeaturePad);

/** Keep units 0, k, 2k, … of the last axis, k = n / units (n must be a multiple of units). */
export class FeatureSubsample extends FeatureResize {
  static className = 'FeatureSubsample';

  protected check(n: number): void {
    if (this.units > n || n % this.units !== 0) {
      throw new UserError(
        `transition "subsample" cannot go from width ${n} to ${this.units}: it keeps every k-th unit, so the new width must divide the old one (use "project" or "pad")`,
      );
    }
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const lead = x.shape.slice(0, -1);
      const k = x.shape[x.rank - 1]! / this.units;
      // Reshape + slice (not gather): its gradient is a pad, which every backend has.
      const grouped = tf.reshape(x, [...lead, this.units, k]);
      const begin = grouped.shape.map(() => 0);
      const size = grouped.shape.map((d, i) => (i === grouped.rank - 1 ? 1 : d));
      return tf.reshape(tf.slice(grouped, begin, size), [...lead, this.units]);
    });
  }
}
tf.serialization.registerClass(FeatureSubsample);
