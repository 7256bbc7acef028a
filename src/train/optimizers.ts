import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerName } from '../config/schema.js';

/**
 * Optimisers with the learning rate passed per step (for the per-epoch exponential decay).
 * - sgd:      v ← μ·v + g;               w ← w − lr·v            (PyTorch / TF momentum form)
 * - nesterov: v ← μ·v + g;               w ← w − lr·(g + μ·v)
 * - adam:     m ← β1·m + (1−β1)·g; s ← β2·s + (1−β2)·g²;  w ← w − lr·m̂ / (√ŝ + ε), β1 = momentum
 */
export interface Optimizer {
  step(vars: tf.Variable[], grads: tf.NamedTensorMap, lr: number): void;
  dispose(): void;
}

const BETA2 = 0.999;
const EPSILON = 1e-8;

export function createOptimizer(name: OptimizerName, momentum: number): Optimizer {
  const slots = new Map<string, tf.Variable[]>();
  let t = 0;
  const slotsFor = (v: tf.Variable, count: number): tf.Variable[] => {
    let s = slots.get(v.name);
    if (!s) {
      s = Array.from({ length: count }, () => tf.variable(tf.zerosLike(v), false));
      slots.set(v.name, s);
    }
    return s;
  };
  return {
    step(vars, grads, lr) {
      t++;
      tf.tidy(() => {
        // scalars made once per step, not once per variable (each costs an op)
        const mu = tf.scalar(momentum);
        const rate = tf.scalar(lr);
        const adam = name === 'adam' ? { oneMinusMu: tf.scalar(1 - momentum), beta2: tf.scalar(BETA2), oneMinusBeta2: tf.scalar(1 - BETA2), mHatScale: tf.scalar(1 / (1 - momentum ** t)), sHatScale: tf.scalar(1 / (1 - BETA2 ** t)), eps: tf.scalar(EPSILON) } : null;
        for (const v of vars) {
          const g = grads[v.name];
          if (!g) continue;
          if (adam) {
            const [m, s] = slotsFor(v, 2) as [tf.Variable, tf.Variable];
            m.assign(tf.add(tf.mul(m, mu), tf.mul(g, adam.oneMinusMu)));
            s.assign(tf.add(tf.mul(s, adam.beta2), tf.mul(tf.square(g), adam.oneMinusBeta2)));
            const mHat = tf.mul(m, adam.mHatScale);
            const sHat = tf.mul(s, adam.sHatScale);
            v.assign(tf.sub(v, tf.mul(rate, tf.div(mHat, tf.add(tf.sqrt(sHat), adam.eps)))));
          } else {
            const [vel] = slotsFor(v, 1) as [tf.Variable];
            vel.assign(tf.add(tf.mul(vel, mu), g));
            const dir = name === 'nesterov' ? tf.add(g, tf.mul(vel, mu)) : vel;
            v.assign(tf.sub(v, tf.mul(dir, rate)));
          }
        }
      });
    },
    dispose() {
      for (const s of slots.values()) s.forEach((x) => x.dispose());
      slots.clear();
    },
  };
}
