/**
 * Identity on wasm without a copy. The engine clones every tensor a gradient will need
 * (`saveTensorsForBackwardMode`, customGrad's `save`): about 300 clones per depth-50 training
 * step, each of which tfjs-backend-wasm 4.22 made as a fresh allocation and a copy. Tensors are
 * immutable, so a clone can share its input's memory, counted by reference exactly as the
 * backend's own Reshape does. (The optimiser's in-place updates check that a buffer is not
 * shared before writing to it: memory.ts.)
 */
import type * as tf from '@tensorflow/tfjs-core';
import { asWasm, replaceKernel, restoreKernel } from './internals.js';

let original: tf.KernelConfig | null = null;

export function installSharedIdentity(): void {
  if (original) return;
  original = replaceKernel('Identity', 'wasm', (copying) => (args) => {
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    if (x.dtype === 'string') return copying(args);
    asWasm(args.backend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}

/** Back to the backend's own copying Identity. */
export function uninstallSharedIdentity(): void {
  if (!original) return;
  restoreKernel(original);
  original = null;
}
