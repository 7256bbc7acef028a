/**
 * The machine's GEMM rate on the current backend, measured: one large plain matmul (512 × 512
 * by 512 × 512, 0.27 GFLOP; on wasm it runs in XNNPACK's SIMD kernels), the median of a few runs
 * after a warm-up. `highway bench` measures it in every round, next to the steps it times, so the
 * floor share (flops.ts) sees the machine's load as the step does.
 */
import * as tf from '@tensorflow/tfjs-core';

const N = 512;

/** Median GFLOP/s of `reps` products (after one untimed product). */
export function gemmGflops(reps = 5): number {
  const [a, b] = tf.tidy(() => [tf.randomUniform([N, N], -1, 1, 'float32', 1), tf.randomUniform([N, N], -1, 1, 'float32', 2)]) as [tf.Tensor2D, tf.Tensor2D];
  const once = () => {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    const ms = performance.now() - t0;
    c.dispose();
    return ms;
  };
  once();
  const times = Array.from({ length: reps }, once).sort((x, y) => x - y);
  tf.dispose([a, b]);
  return (2 * N ** 3) / (times[reps >> 1]! * 1e6);
}
