import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { TrainConfig } from '../config/schema.js';
import { fastPathsOn } from '../backend/memory.js';
import { wasmSimd } from '../backend/wasm-simd.js';
import { createOptimizer, type Optimizer, type OptimizerState } from './optimizers.js';
import { clipByGlobalNorm, clipInPlace } from './clip.js';
import { crossEntropy, oneHot } from './evaluate.js';
import { exampleWidth, planDenseStack } from './dense-stack.js';
import { denseStackStep } from './dense-step.js';
import { addWeightDecay } from './weight-decay.js';

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

let denseStepAllowed = true;
/** Let chains of dense and highway layers take the engine-free step (default), or not: benchmarks compare the two. */
export function setDenseStep(on: boolean): void {
  denseStepAllowed = on;
}

type StepConfig = Pick<TrainConfig, 'optimizer' | 'momentum' | 'clipNorm'> & { weightDecay?: number };

/** L2 weight decay (Caffe's weight_decay: g += wd·w for kernels and embeddings, before clipping), clipping, the update. */
function update(optimizer: Optimizer, vars: tf.Variable[], grads: tf.NamedTensorMap, cfg: StepConfig, lr: number): void {
  const wd = cfg.weightDecay ?? 0;
  if (wd === 0 && cfg.clipNorm === null) {
    optimizer.step(vars, grads, lr);
    return;
  }
  tf.tidy(() => {
    const g = { ...grads };
    // in the gradient's own memory where it can be (weight-decay.ts): 36 fewer ops per conv-net step
    if (wd > 0) for (const v of vars) if (v.rank >= 2) g[v.name] = addWeightDecay(g[v.name]!, v, wd);
    optimizer.step(vars, cfg.clipNorm === null ? g : clipByGlobalNorm(g, cfg.clipNorm), lr);
  });
}

/**
 * The optimiser step the trainer and the benchmark share: forward on the logits model,
 * gradients of the mean cross-entropy, optional weight decay and global-norm clipping, the
 * update. A chain of dense and highway layers on wasm takes the engine-free step
 * (dense-step.ts) whenever the fast paths are on; everything else, the engine's gradients.
 */
export function createTrainStep(logitsModel: tfl.LayersModel, cfg: StepConfig, inputShape: number[], numClasses: number): TrainStep {
  const vars = logitsModel.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = createOptimizer(cfg.optimizer, cfg.momentum);
  const plan = planDenseStack(logitsModel, inputShape, numClasses);
  const dense = plan ? denseStackStep(plan, exampleWidth(inputShape), numClasses) : null;
  return {
    step(x, labels, lr, shape = inputShape) {
      // (compared by value: a caller may pass a copy of the dataset's shape)
      const simd = dense && denseStepAllowed && fastPathsOn() && tf.util.arraysEqual(shape, inputShape) ? wasmSimd() : null;
      if (dense && simd) {
        const loss = dense.run(simd, x, labels);
        if (cfg.clipNorm !== null && !(cfg.weightDecay ?? 0)) {
          clipInPlace(
            Object.values(dense.grads).map((g) => simd.view(g)),
            cfg.clipNorm,
          );
          optimizer.step(vars, dense.grads, lr);
        } else update(optimizer, vars, dense.grads, cfg, lr);
        return tf.scalar(loss);
      }
      const b = labels.length;
      return tf.tidy(() => {
        const xt = tf.tensor(x, [b, ...shape]);
        const t = tf.tensor2d(oneHot(labels, 0, b, numClasses), [b, numClasses]);
        const { value, grads } = tf.variableGrads(() => crossEntropy(logitsModel.apply(xt, { training: true }) as tf.Tensor, t), vars);
        update(optimizer, vars, grads, cfg, lr);
        return value;
      });
    },
    getState: () => optimizer.getState(vars),
    setState: (state) => optimizer.setState(vars, state),
    dispose: () => {
      optimizer.dispose();
      dense?.dispose();
    },
  };
}
