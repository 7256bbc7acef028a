/**
 * The text nets' embedding lookup and its gradient on wasm, copying rows between views of the
 * heap (installed with kernel-fixes.ts). Measured for an SST-5 batch (2,000 token ids into an
 * 8,737 × 64 embedding): tfjs-backend-wasm 4.22's GatherV2 took 6.1 ms and segment-sum.ts's
 * UnsortedSegmentSum (copies of its input out of the heap and of its output into it) 3.6 ms, a
 * third of a pooled net's step.
 *
 * - GatherV2 along axis 0 (the embedding lookup): out[i] = x[ids[i]], row by row. Other axes,
 *   batch dimensions, dtypes and out-of-range ids go to the original kernel (which reports them).
 * - UnsortedSegmentSum (the lookup's gradient): out[s] = Σ_{i: ids[i] = s} x[i]; ids out of
 *   range are dropped, as TensorFlow does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, heapView, replaceKernel, type KernelFunc, type WasmBackend } from './internals.js';

type Info = tf.TensorInfo;

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A float32 or int32 view of a tensor in the heap (valid until the next allocation). */
function view(b: WasmBackend, t: Info): Float32Array | Int32Array | null {
  const View = t.dtype === 'float32' ? Float32Array : t.dtype === 'int32' ? Int32Array : null;
  return View && heapView<Float32Array | Int32Array>(b, t, View, size(t.shape));
}

function gather(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x, indices } = args.inputs as { x: Info; indices: Info };
    const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims?: number };
    const b = asWasm(args.backend);
    if (tf.util.parseAxisParam(axis, x.shape)[0] !== 0 || (batchDims ?? 0) !== 0 || x.dtype !== 'float32') return original(args);
    const ids = view(b, indices);
    const rows = x.shape[0]!;
    if (!ids || ids.some((v) => !(v >= 0 && v < rows && Number.isInteger(v)))) return original(args);
    const row = size(x.shape.slice(1));
    const out = b.makeOutput([...indices.shape, ...x.shape.slice(1)], 'float32');
    // views after the allocation (it may grow the heap)
    const [xv, iv, ov] = [view(b, x)!, view(b, indices)!, view(b, out)!];
    for (let i = 0; i < iv.length; i++) ov.set(xv.subarray(iv[i]! * row, (iv[i]! + 1) * row), i * row);
    return out;
  };
}

/** `original`: segment-sum.ts's JS version (any dtype), which this one replaces for float32. */
function unsortedSegmentSum(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x, segmentIds } = args.inputs as { x: Info; segmentIds: Info };
    const { numSegments } = args.attrs as unknown as { numSegments: number };
    const b = asWasm(args.backend);
    if (x.dtype !== 'float32' || !view(b, segmentIds)) return original(args);
    const inner = size(x.shape.slice(segmentIds.shape.length));
    const out = b.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], 'float32');
    const [xv, ids, ov] = [view(b, x)!, view(b, segmentIds)!, view(b, out)!];
    ov.fill(0);
    for (let i = 0; i < ids.length; i++) {
      const s = ids[i]!;
      if (!(s >= 0 && s < numSegments)) continue;
      const to = s * inner;
      const from = i * inner;
      for (let k = 0; k < inner; k++) ov[to + k] = ov[to + k]! + xv[from + k]!;
    }
    return out;
  };
}

export function installEmbeddingKernels(): void {
  replaceKernel('GatherV2', 'wasm', gather);
  replaceKernel('UnsortedSegmentSum', 'wasm', unsortedSegmentSum);
}
