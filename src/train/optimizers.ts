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
        for (const v of vars) {
          const g = grads[v.name];
          if (!g) continue;
          if (name === 'adam') {
            const [m, s] = slotsFor(v, 2) as [tf.Variable, tf.Variable];
            m.assign(tf.add(tf.mul(m, momentum), tf.mul(g, 1 - momentum)));
            s.assign(tf.add(tf.mul(s, BETA2), tf.mul(tf.square(g), 1 - BETA2)));
            const mHat = tf.div(m, 1 - momentum ** t);
            const sHat = tf.div(s, 1 - BETA2 ** t);
            v.assign(tf.sub(v, tf.mul(lr, tf.div(mHat, tf.add(tf.sqrt(sHat), EPSILON)))));
          } else {
            const [vel] = slotsFor(v, 1) as [tf.Variable];
            vel.assign(tf.add(tf.mul(vel, momentum), g));
            const dir = name === 'nesterov' ? tf.add(g, tf.mul(vel, momentum)) : vel;
            v.assign(tf.sub(v, tf.mul(dir, lr)));
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
