/**
 * Evaluation of a dense stack (dense-stack.ts) on wasm without the engine: the same forward pass
 * as the engine-free training step (dense-step.ts), batch after batch into two buffers used in
 * turn, and the cross-entropy and accuracy summed in float64 from the logits where they lie.
 * The buffers are the call's own and freed at its end (a sweep's worker evaluates run after run).
 * null where it does not apply (another backend or model, fast paths off): evaluate() then runs
 * the model through the engine.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { fastPathsOn } from '../backend/memory.js';
import { wasmSimd } from '../backend/wasm-simd.js';
import type { Split } from '../data/types.js';
import { exampleWidth, planDenseStack } from './dense-stack.js';
import { stackForward } from './dense-step.js';

/** Rows of H and T a highway layer's forward pass keeps at a time when they are not saved (simd/highway.wat). */
const GATE_BLOCK = 64;

/** A split's mean loss and accuracy. */
export interface Evaluation {
  /** Mean cross-entropy over the whole split. */
  loss: number;
  accuracy: number;
}

export function evaluateDenseStack(model: tfl.LayersModel, split: Split, inputShape: number[], numClasses: number, batchSize: number): Evaluation | null {
  const simd = fastPathsOn() ? wasmSimd() : null;
  const plan = simd ? planDenseStack(model, inputShape, numClasses) : null;
  if (!simd || !plan) return null;
  const d = exampleWidth(inputShape);
  const rows = Math.max(1, Math.min(batchSize, split.n));
  const widest = Math.max(...plan.map((l) => l.units));
  const buffers = [
    simd.alloc([rows, d]),
    simd.alloc([rows, widest]),
    simd.alloc([rows, widest]),
    simd.alloc([GATE_BLOCK, widest]),
    simd.alloc([GATE_BLOCK, widest]),
  ] as const;
  const [x, a, b, h, t] = buffers;
  let lossSum = 0;
  let correct = 0;
  try {
    for (let from = 0; from < split.n; from += rows) {
      const n = Math.min(rows, split.n - from);
      simd.view(x).set(split.x.subarray(from * d, (from + n) * d));
      stackForward(
        simd,
        plan,
        n,
        x,
        d,
        (i) => (i % 2 ? b : a),
        () => [h, t, false],
      );
      const logits = simd.view(plan.length % 2 ? a : b);
      for (let r = 0; r < n; r++) {
        const o = r * numClasses;
        let max = -Infinity;
        let best = 0;
        for (let j = 0; j < numClasses; j++) {
          if (logits[o + j]! > max) {
            max = logits[o + j]!;
            best = j;
          }
        }
        let sum = 0;
        for (let j = 0; j < numClasses; j++) sum += Math.exp(logits[o + j]! - max);
        const label = split.y[from + r]!;
        lossSum += max + Math.log(sum) - logits[o + label]!;
        if (best === label) correct++;
      }
    }
  } finally {
    for (const buffer of buffers) simd.free(buffer);
  }
  return { loss: lossSum / split.n, accuracy: correct / split.n };
}
