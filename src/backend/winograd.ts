/**
 * The weight side of Winograd F(4×4, 3×3) on the conv module: a 3×3 kernel g becomes the 6×6
 * U = G g Gᵀ (the module's weightsToU), and the gradient of U, dU, becomes dW = Gᵀ dU G
 * (uToWeights), four output channels at a time; the data side is in the module's tiled passes.
 *   G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1]
 * (In JS loops these took 0.32 ms per layer and call, ≈8 ms of a conv-net step; 0.14 ms without
 * closures; in SIMD a few µs.)
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ConvWasm } from './conv-wasm.js';

/** Output tile side: each tile of (TILE + 2)² inputs gives TILE² outputs. */
export const TILE = 4;
/** Transform positions ξ (planes of V, M, U). */
export const PLANES = (TILE + 2) ** 2;

type Info = tf.TensorInfo;

/**
 * U [PLANES][C][n] from kernels [3, 3, C, k_i] (k_i % 4 = 0) laid side by side in the output
 * columns (n = Σ k_i: the highway layer's W_H then W_T); `transposed` gives Uᵀ [PLANES][n][C] in
 * `out` (then `work`, [PLANES][C][n], holds U).
 */
export function transformWeights(k: ConvWasm, kernels: Info[], c: number, out: Info, work?: Info): void {
  const widths = kernels.map((w) => w.shape[3]!);
  const n = widths.reduce((a, b) => a + b, 0);
  const u = work ?? out;
  let first = 0;
  kernels.forEach((w, i) => {
    k.conv.weightsToU(k.ptr(w), k.ptr(u), c, widths[i]!, n, first);
    first += widths[i]!;
  });
  if (work) k.conv.transposePlanes(k.ptr(work), k.ptr(out), PLANES, c, n);
}

/** dW [3, 3, C, k_i] for each output group from dU [PLANES][C][n] (groups side by side, as transformWeights). */
export function weightGradients(k: ConvWasm, dU: Info, c: number, outs: Info[]): void {
  const widths = outs.map((w) => w.shape[3]!);
  const n = widths.reduce((a, b) => a + b, 0);
  let first = 0;
  outs.forEach((w, i) => {
    k.conv.uToWeights(k.ptr(dU), k.ptr(w), c, widths[i]!, n, first);
    first += widths[i]!;
  });
}
