import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerName } from '../config/schema.js';
import { float32View } from '../backend/memory.js';

/**
 * Optimisers with the learning rate passed per step (for the per-epoch exponential decay).
 * - sgd:      v ← μ·v + g;               w ← w − lr·v            (PyTorch / TF momentum form)
 * - nesterov: v ← μ·v + g;               w ← w − lr·(g + μ·v)
 * - adam:     m ← β1·m + (1−β1)·g; s ← β2·s + (1−β2)·g²;  w ← w − lr·m̂ / (√ŝ + ε), β1 = momentum
 *
 * On cpu and wasm the momentum buffer is updated by one loop over its own memory, in place
 * (instead of TF.js ops, whose fixed cost dominated small layers). The weights themselves are
 * written in place only on cpu: the wasm backend caches packed matmul weights by tensor id, so a
 * weight changed in place would leave the forward pass on stale values; there, and wherever
 * memory is not reachable (tfjs-node, shared storage), the rule runs as ops.
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
      // each in its own tidy, so the zeros it starts from are released and the slot owns its storage
      s = Array.from({ length: count }, () => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
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
            const done = momentumInPlace(v, vel, g, lr, momentum, name === 'nesterov');
            if (done === 'all') continue;
            if (done === 'none') vel.assign(tf.add(tf.mul(vel, mu), g));
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

/**
 * v ← μ·v + g in v's own memory, and on cpu also w ← w − lr·v (or − lr·(g + μ·v), Nesterov).
 * Returns what it did: 'all', 'velocity' (the caller still updates w), or 'none'.
 */
function momentumInPlace(w: tf.Variable, vel: tf.Variable, grad: tf.Tensor, lr: number, mu: number, nesterov: boolean): 'all' | 'velocity' | 'none' {
  const g = float32View(grad, false);
  const v = float32View(vel, true);
  if (!g || !v) return 'none';
  const x = tf.getBackend() === 'cpu' ? float32View(w, true) : null;
  if (!x) {
    for (let i = 0; i < v.length; i++) v[i] = mu * v[i]! + g[i]!;
    return 'velocity';
  }
  for (let i = 0; i < x.length; i++) {
    const vi = mu * v[i]! + g[i]!;
    v[i] = vi;
    x[i] = x[i]! - lr * (nesterov ? g[i]! + mu * vi : vi);
  }
  return 'all';
}
