/**
 * Direct access to a float32 tensor's storage on the cpu and wasm backends, for updates done in
 * place (the optimiser). Returns null on other backends (tfjs-node), for other dtypes, or —
 * when `sole` — if any other tensor shares the storage, so a caller can always fall back to ops.
 * A view is valid until the next TF.js call that may allocate (wasm memory can grow): use it
 * at once, do not keep it.
 */
import * as tf from '@tensorflow/tfjs-core';

interface WasmLike {
  dataIdMap: { get(id: object): { memoryOffset: number; refCount: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
}
interface CpuLike {
  data: { get(id: object): { values?: unknown; refCount: number } | undefined };
}

export function float32View(t: tf.Tensor, sole: boolean): Float32Array | null {
  if (t.dtype !== 'float32' || t.isDisposed) return null;
  const name = tf.getBackend();
  if (name === 'wasm') {
    const info = (tf.backend() as unknown as WasmLike).dataIdMap.get(t.dataId);
    if (!info || (sole && info.refCount !== 1)) return null;
    return new Float32Array((tf.backend() as unknown as WasmLike).wasm.HEAPU8.buffer, info.memoryOffset, t.size);
  }
  if (name === 'cpu') {
    const info = (tf.backend() as unknown as CpuLike).data.get(t.dataId);
    if (!info || (sole && info.refCount !== 1) || !(info.values instanceof Float32Array)) return null;
    return info.values.length === t.size ? info.values : null;
  }
  return null;
}
