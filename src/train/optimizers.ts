import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerName } from '../config/schema.js';
import { fastPathsOn, float32View, valuesChanged } from '../backend/memory.js';
import { wasmSimd } from '../backend/wasm-simd.js';

/**
 * Optimisers with the learning rate passed per step (for the per-epoch exponential decay).
 * - sgd:      v ← μ·v + g;               w ← w − lr·v            (PyTorch / TF momentum form)
 * - nesterov: v ← μ·v + g;               w ← w − lr·(g + μ·v)
 * - adam:     m ← β1·m + (1−β1)·g; s ← β2·s + (1−β2)·g²;  w ← w − lr·m̂ / (√ŝ + ε), β1 = momentum
 *
 * On cpu and wasm every variable is updated by one loop over its own memory, in place (on wasm
 * the SIMD module's, wasm-simd.ts): no TF.js op at all (each op costs a fixed ≈15 µs, and a step has ≈4 of them per variable, 200 variables
 * at depth 50). On wasm the matmuls cache packed copies of weights by tensor id, so each changed
 * weight tells the backend (memory.ts, valuesChanged). Wherever memory is not reachable
 * (tfjs-node, a buffer shared with another tensor, fast paths off) the rule runs as ops.
 */
export interface Optimizer {
  step(vars: tf.Variable[], grads: tf.NamedTensorMap, lr: number): void;
  /**
   * Steps taken and every slot's values (momentum, Adam's moments) of `vars`, in their order: what
   * a checkpoint stores. (Order, not names: a model built again in the same process gets new
   * variable names.)
   */
  getState(vars: tf.Variable[]): OptimizerState;
  /** Continue from a checkpoint's state: the next step is exactly the one the saved optimiser would have taken. */
  setState(vars: tf.Variable[], state: OptimizerState): void;
  dispose(): void;
}

export interface OptimizerState {
  steps: number;
  /** Per variable (in the order of `vars`): its slots' values, in slot order; empty before its first step. */
  slots: Float32Array[][];
}

const BETA2 = 0.999;
const EPSILON = 1e-8;

export function createOptimizer(name: OptimizerName, momentum: number): Optimizer {
  const slots = new Map<string, tf.Variable[]>();
  const count = name === 'adam' ? 2 : 1;
  let t = 0;
  const slotsFor = (v: tf.Variable): tf.Variable[] => {
    let s = slots.get(v.name);
    if (!s) {
      // each in its own tidy, so the zeros it starts from are released and the slot owns its storage
      s = Array.from({ length: count }, () => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
      slots.set(v.name, s);
    }
    return s;
  };
  const rule = { name, mu: momentum, t: 0 };
  const disposeSlots = () => {
    for (const s of slots.values())
      s.forEach((x) => {
        x.dispose();
      });
    slots.clear();
  };
  return {
    step(vars, grads, lr) {
      t++;
      rule.t = t;
      const rest = vars.filter((v) => grads[v.name] && !(fastPathsOn() && updateInPlace(rule, v, slotsFor(v), grads[v.name]!, lr)));
      if (rest.length > 0) updateWithOps(rule, rest, slotsFor, grads, lr);
    },
    getState(vars) {
      return { steps: t, slots: vars.map((v) => (slots.get(v.name) ?? []).map((x) => Float32Array.from(x.dataSync() as Float32Array))) };
    },
    setState(vars, state) {
      if (state.slots.length !== vars.length) throw new Error(`optimizer state: ${state.slots.length} variables saved, the model has ${vars.length}`);
      disposeSlots();
      t = state.steps;
      vars.forEach((v, i) => {
        const values = state.slots[i]!;
        if (values.length === 0) return;
        if (values.length !== count || values.some((x) => x.length !== v.size)) {
          throw new Error(
            `optimizer state: variable ${i} (${v.name}) has ${values.length} slots of ${values[0]?.length} values; expected ${count} of ${v.size}`,
          );
        }
        slots.set(
          v.name,
          values.map((x) => tf.tidy(() => tf.variable(tf.tensor(x, v.shape), false))),
        );
      });
    },
    dispose: disposeSlots,
  };
}

interface Rule {
  name: OptimizerName;
  mu: number;
  /** Steps so far, this one included (Adam's bias correction). */
  t: number;
}

/** The update in the variable's and its slots' own memory; false (nothing done) if any is not reachable. */
function updateInPlace(r: Rule, w: tf.Variable, slots: tf.Variable[], grad: tf.Tensor, lr: number): boolean {
  if (updateWithSimd(r, w, slots, grad, lr)) return true;
  const g = float32View(grad, false);
  const x = float32View(w, true);
  const a = float32View(slots[0]!, true);
  const b = r.name === 'adam' ? float32View(slots[1]!, true) : null;
  if (!g || !x || !a || (r.name === 'adam' && !b)) return false;
  const mu = r.mu;
  if (r.name === 'adam') {
    const mScale = 1 / (1 - mu ** r.t);
    const sScale = 1 / (1 - BETA2 ** r.t);
    for (let i = 0; i < x.length; i++) {
      const gi = g[i]!;
      const m = mu * a[i]! + (1 - mu) * gi;
      const s = BETA2 * b![i]! + (1 - BETA2) * gi * gi;
      a[i] = m;
      b![i] = s;
      x[i] = x[i]! - (lr * (m * mScale)) / (Math.sqrt(s * sScale) + EPSILON);
    }
  } else {
    const nesterov = r.name === 'nesterov';
    for (let i = 0; i < x.length; i++) {
      const gi = g[i]!;
      const vi = mu * a[i]! + gi;
      a[i] = vi;
      x[i] = x[i]! - lr * (nesterov ? gi + mu * vi : vi);
    }
  }
  valuesChanged(w);
  return true;
}

/** On wasm, the same update by the SIMD module (simd/highway.wat), four floats at a time. */
function updateWithSimd(r: Rule, w: tf.Variable, slots: tf.Variable[], grad: tf.Tensor, lr: number): boolean {
  const simd = wasmSimd();
  if (!simd || grad.dtype !== 'float32' || w.dtype !== 'float32') return false;
  const g = simd.ptr(grad);
  const x = simd.ptr(w, true);
  const a = simd.ptr(slots[0]!, true);
  const b = r.name === 'adam' ? simd.ptr(slots[1]!, true) : 0;
  if (g === null || x === null || a === null || b === null) return false;
  if (r.name === 'adam') simd.kernels.adam(x, a, b, g, w.size, lr, r.mu, BETA2, 1 / (1 - r.mu ** r.t), 1 / (1 - BETA2 ** r.t), EPSILON);
  else simd.kernels.sgd(x, a, g, w.size, lr, r.mu, r.name === 'nesterov' ? 1 : 0);
  valuesChanged(w);
  return true;
}

/** The same rules as TF.js ops (tfjs-node, or fast paths off): scalars made once per step. */
function updateWithOps(r: Rule, vars: tf.Variable[], slotsFor: (v: tf.Variable) => tf.Variable[], grads: tf.NamedTensorMap, lr: number): void {
  tf.tidy(() => {
    const mu = tf.scalar(r.mu);
    const rate = tf.scalar(lr);
    for (const v of vars) {
      const g = grads[v.name]!;
      const s = slotsFor(v);
      if (r.name === 'adam') {
        const [m, sq] = s as [tf.Variable, tf.Variable];
        m.assign(tf.add(tf.mul(m, mu), tf.mul(g, 1 - r.mu)));
        sq.assign(tf.add(tf.mul(sq, BETA2), tf.mul(tf.square(g), 1 - BETA2)));
        const mHat = tf.mul(m, 1 / (1 - r.mu ** r.t));
        const sHat = tf.mul(sq, 1 / (1 - BETA2 ** r.t));
        v.assign(tf.sub(v, tf.mul(rate, tf.div(mHat, tf.add(tf.sqrt(sHat), EPSILON)))));
      } else {
        const vel = s[0]!;
        vel.assign(tf.add(tf.mul(vel, mu), g));
        const dir = r.name === 'nesterov' ? tf.add(g, tf.mul(vel, mu)) : vel;
        v.assign(tf.sub(v, tf.mul(dir, rate)));
      }
    }
  });
}
