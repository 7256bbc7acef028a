/**
 * UnsortedSegmentSum, the gradient of a gather (an embedding lookup): out[s] = Σ_{i: ids[i] = s} x[i],
 * ids out of range dropped (as in TensorFlow). A plain loop in JS over copies of the inputs; the
 * sizes here are embedding-sized. tfjs-backend-wasm 4.22 lacks the kernel (wasm-embedding.ts
 * then runs float32 in the heap and hands other dtypes here); the cpu backend's own runs tensor
 * ops once per segment (O(segments × rows): minutes per step for a 16k-word embedding).
 */
import * as tf from '@tensorflow/tfjs-core';
import { addKernel, asCpu, asWasm, replaceKernel, type KernelFunc } from './internals.js';

const unsortedSegmentSum: KernelFunc = (args) => {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as unknown as { numSegments: number };
  const backend = args.backend as tf.KernelBackend;
  const ids = backend.readSync(segmentIds.dataId) as Int32Array | Float32Array;
  const values = backend.readSync(x.dataId) as Float32Array;
  const inner = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
  const out = new Float32Array(numSegments * inner);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    for (let k = 0; k < inner; k++) out[s * inner + k]! += values[i * inner + k]!;
  }
  const shape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  return tf.getBackend() === 'wasm' ? asWasm(backend).makeOutput(shape, x.dtype, undefined, out) : asCpu(backend).makeTensorInfo(shape, x.dtype, out);
};

/** The kernel for wasm, which has none. */
export const addWasmSegmentSum = (): boolean => addKernel('UnsortedSegmentSum', 'wasm', unsortedSegmentSum);

/** The linear loop in place of the cpu backend's own. */
export function replaceCpuSegmentSum(): void {
  if (!replaceKernel('UnsortedSegmentSum', 'cpu', () => unsortedSegmentSum)) addKernel('UnsortedSegmentSum', 'cpu', unsortedSegmentSum);
}
