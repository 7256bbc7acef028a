/**
 * Kernel-level fixes, installed when a backend is chosen (each concern in its own file). wasm:
 * missing kernels (Conv2DBackpropFilter, so conv nets train: conv-gradients.ts;
 * UnsortedSegmentSum, so embeddings train: segment-sum.ts), a wrong one (MaxPoolGrad,
 * wasm-conv-fixes.ts) and slow paths (transposed matmuls: matmul-untransposed.ts; the input
 * gradient of a convolution: conv-gradients.ts; slices: heap-slices.ts; the embedding lookup:
 * wasm-embedding.ts). cpu: a slow UnsortedSegmentSum (segment-sum.ts).
 */
import { installConvGradients } from './conv-gradients.js';
import { installHeapSlices } from './heap-slices.js';
import { installUntransposedMatmuls } from './matmul-untransposed.js';
import { addWasmSegmentSum, replaceCpuSegmentSum } from './segment-sum.js';
import { installMaxPoolGradFix } from './wasm-conv-fixes.js';
import { installEmbeddingKernels } from './wasm-embedding.js';

export const installCpuKernelFixes = replaceCpuSegmentSum;

let installed = false;

export function installWasmKernelFixes(): void {
  if (installed) return;
  installed = true;
  installConvGradients();
  addWasmSegmentSum();
  installHeapSlices();
  installMaxPoolGradFix();
  // after the JS segment sum above, which it hands other dtypes
  installEmbeddingKernels();
  installUntransposedMatmuls();
}
