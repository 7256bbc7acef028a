import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { TrainConfig } from '../config/schema.js';
import { createOptimizer, type OptimizerState } from './optimizers.js';
import { clipByGlobalNorm } from './clip.js';
import { crossEntropy, oneHot } from './evaluate.js';

export interface TrainStep {
  /**
   * One optimiser step on a minibatch (row-major examples); returns the minibatch loss, which the
   * caller disposes. `shape`: the examples' shape when it differs from the dataset's (token
   * batches cut to their longest sentence).
   */
  step(x: Float32Array, labels: Int32Array, lr: number, shape?: number[]): tf.Scalar;
  /** The optimiser's state (steps, slots), for a checkpoint. */
  getState(): OptimizerState;
  /** Continue from a checkpoint's optimiser state. */
  setState(state: OptimizerState): void;
  dispose(): void;
}

/**
 * The optimiser step the trainer and the benchmark share: forward on the logits model,
 * gradients of the mean cross-entropy, optional global-norm clipping, the update.
 */
export function createTrainStep(
  logitsModel: tfl.LayersModel,
  cfg: Pick<TrainConfig, 'optimizer' | 'momentum' | 'clipNorm'> & { weightDecay?: number },
  inputShape: number[],
  numClasses: number,
): TrainStep {
  const vars = logitsModel.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = createOptimizer(cfg.optimizer, cfg.momentum);
  const wd = cfg.weightDecay ?? 0;
  const decayed = vars.filter((v) => v.rank >= 2);
  return {
    step(x, labels, lr, shape = inputShape) {
      const b = labels.length;
      return tf.tidy(() => {
        const xt = tf.tensor(x, [b, ...shape]);
        const t = tf.tensor2d(oneHot(labels, 0, b, numClasses), [b, numClasses]);
        const { value, grads } = tf.variableGrads(() => crossEntropy(logitsModel.apply(xt, { training: true }) as tf.Tensor, t), vars);
        // L2 weight decay (Caffe's weight_decay): g += wd·w for kernels and embeddings, before clipping
        if (wd > 0) for (const v of decayed) grads[v.name] = tf.add(grads[v.name]!, tf.mul(v, wd));
        optimizer.step(vars, cfg.clipNorm === null ? grads : clipByGlobalNorm(grads, cfg.clipNorm), lr);
        return value;
      });
    },
    getState: () => optimizer.getState(vars),
    setState: (state) => optimizer.setState(vars, state),
    dispose: () => optimizer.dispose(),
  };
}
