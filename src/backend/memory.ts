/**
 * Direct access to a float32 tensor's storage on the cpu and wasm backends, for updates done in
 * place (the optimiser). Returns null on other backends (tfjs-node), for other dtypes, or —
 * when `sole` — if any other tensor shares the storage, so a caller can always fall back to ops.
 * A view is valid until the next TF.js call that may allocate (wasm memory can grow): use it
 * at once, do not keep it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asCpu, asWasm } from './internals.js';

/** Whether the fast paths (in-place updates, fused kernels, shared clones) are on: see fast-paths.ts. */
let fast = true;
export const fastPathsOn = (): boolean => fast;
export const setFastPathFlag = (on: boolean): void => {
  fast = on;
};

export function float32View(t: tf.Tensor | tf.TensorInfo, sole: boolean): Float32Array | null {
  if (t.dtype !== 'float32' || ('isDisposed' in t && t.isDisposed)) return null;
  const name = tf.getBackend();
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (name === 'wasm') {
    const b = asWasm(tf.backend());
    const info = b.dataIdMap.get(t.dataId);
    if (!info || (sole && info.refCount !== 1)) return null;
    return new Float32Array(b.wasm.HEAPU8.buffer, info.memoryOffset, size);
  }
  if (name === 'cpu') {
    const info = asCpu(tf.backend()).data.get(t.dataId);
    if (!info || (sole && info.refCount !== 1) || !(info.values instanceof Float32Array)) return null;
    return info.values.length === size ? info.values : null;
  }
  return null;
}

/**
 * After a tensor's values were changed in place: on wasm, drop what the backend derived from the
 * old values. Its matmuls cache an XNNPACK operator per weight (and bias) tensor id, holding a
 * packed copy of the weights; re-registering the id runs the backend's disposal callbacks (which
 * delete those operators) and keeps the memory where it is.
 */
export function valuesChanged(t: tf.Tensor): void {
  if (tf.getBackend() !== 'wasm') return;
  const b = asWasm(tf.backend());
  const info = b.dataIdMap.get(t.dataId);
  if (!info) return;
  b.wasm.tfjs.disposeData(info.id);
  b.wasm.tfjs.registerTensor(info.id, t.size, info.memoryOffset);
}
