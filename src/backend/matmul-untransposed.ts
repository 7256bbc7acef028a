/**
 * Matmuls with a transposed operand take a slow path in tfjs-backend-wasm 4.22 (measured here:
 * ≈450 µs for [128,50]ᵀ·[128,50] against ≈55 µs for the same product untransposed), and every
 * matmul gradient uses one. The wrapped kernels transpose such an operand explicitly (a ≈10 µs
 * Transpose kernel) and call the original kernel untransposed: same numbers, fast path.
 */
import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel, type KernelFunc } from './internals.js';

type Attrs = { transposeA?: boolean; transposeB?: boolean };

function swapLastTwo(rank: number): number[] {
  return [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
}

function untransposing(original: KernelFunc, transpose: KernelFunc): KernelFunc {
  return (args) => {
    const attrs = args.attrs as unknown as Attrs;
    if (!attrs.transposeA && !attrs.transposeB) return original(args);
    const inputs = { ...(args.inputs as Record<string, tf.TensorInfo>) };
    const temps: tf.TensorInfo[] = [];
    for (const [key, flag] of [
      ['a', attrs.transposeA],
      ['b', attrs.transposeB],
    ] as const) {
      if (!flag) continue;
      const x = inputs[key]!;
      const t = transpose({ inputs: { x }, backend: args.backend, attrs: { perm: swapLastTwo(x.shape.length) } }) as tf.TensorInfo;
      temps.push(t);
      inputs[key] = t;
    }
    const out = original({ ...args, inputs, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    for (const t of temps) (args.backend as tf.KernelBackend).disposeData(t.dataId);
    return out;
  };
}

export function installUntransposedMatmuls(): void {
  const transpose = tf.getKernel('Transpose', 'wasm')?.kernelFunc;
  if (!transpose) return;
  for (const name of ['BatchMatMul', '_FusedMatMul']) replaceKernel(name, 'wasm', (original) => untransposing(original, transpose));
}
