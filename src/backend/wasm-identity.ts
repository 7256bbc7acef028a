/**
 * Identity on wasm without a copy. The engine clones every tensor a gradient will need
 * (`saveTensorsForBackwardMode`, customGrad's `save`): about 300 clones per depth-50 training
 * step, each of which tfjs-backend-wasm 4.22 made as a fresh allocation and a copy. Tensors are
 * immutable, so a clone can share its input's memory, counted by reference exactly as the
 * backend's own Reshape does. (The optimiser's in-place updates check that a buffer is not
 * shared before writing to it: memory.ts.)
 */
import * as tf from '@tensorflow/tfjs-core';

interface RefCounting {
  incRef(dataId: object): void;
}

let original: tf.KernelConfig | null = null;

export function installSharedIdentity(): void {
  const k = tf.getKernel('Identity', 'wasm');
  if (!k || original) return;
  original = k;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    ...k,
    kernelFunc: (args) => {
      const x = (args.inputs as { x: tf.TensorInfo }).x;
      if (x.dtype === 'string') return k.kernelFunc(args);
      (args.backend as unknown as RefCounting).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}

/** Back to the backend's own copying Identity. */
export function uninstallSharedIdentity(): void {
  if (!original) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel(original);
  original = null;
}
