/**
 * Slicing, splitting, unstacking and reversing on wasm by copying between views of the heap
 * (tfjs-backend-wasm 4.22 copies whole inputs out of the heap for each), tested against index
 * arithmetic for float32, int32 and bool in test/wasm-kernels.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, heapView, replaceKernel, type WasmBackend } from './internals.js';

const VIEWS: Partial<Record<tf.DataType, Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor>> = {
  float32: Float32Array,
  int32: Int32Array,
  bool: Uint8Array,
};

/** A typed view of a tensor's memory inside the wasm heap (valid until the heap next grows). */
const view = (backend: WasmBackend, t: tf.TensorInfo, View: NonNullable<(typeof VIEWS)[tf.DataType]>, length: number) =>
  heapView<Float32Array | Int32Array | Uint8Array>(backend, t, View, length)!;

/**
 * Slice on wasm without the copy: tfjs-backend-wasm 4.22's Slice (and SplitV and Unpack, which
 * call it once per output) first copies the whole input out of the wasm heap (`readSync`), so
 * splitting an LSTM's gate pre-activations cost ≈200 µs and unstacking T steps copied the
 * sequence T times. This one allocates the output first (allocation may grow the heap), then
 * copies only the selected elements between views of the heap: contiguous runs of the
 * innermost dimensions with `set`. null for dtypes it does not handle (string, complex64).
 */
function heapSlice(backend: WasmBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo | null {
  const View = VIEWS[x.dtype];
  if (!View) return null;
  const out = backend.makeOutput(size, x.dtype);
  const total = size.reduce((a, b) => a * b, 1);
  if (total === 0) return out;
  const xv = view(
    backend,
    x,
    View,
    x.shape.reduce((a, b) => a * b, 1),
  );
  const ov = view(backend, out, View, total);
  const rank = x.shape.length;
  if (rank === 0) {
    ov.set(xv);
    return out;
  }
  const strides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1]! * x.shape[d + 1]!;
  // dims after k are taken whole, so each run of size[k] · strides[k] elements is contiguous
  let k = rank - 1;
  while (k > 0 && size[k] === x.shape[k]) k--;
  const run = size[k]! * strides[k]!;
  const outer = size.slice(0, k);
  const count = outer.reduce((a, b) => a * b, 1);
  for (let i = 0, o = 0; i < count; i++, o += run) {
    let rem = i;
    let off = begin[k]! * strides[k]!;
    for (let d = k - 1; d >= 0; d--) {
      const c = rem % outer[d]!;
      rem = (rem - c) / outer[d]!;
      off += (begin[d]! + c) * strides[d]!;
    }
    // short runs (gate columns of a small matrix): a loop beats creating a subarray
    if (run < 64) for (let j = 0; j < run; j++) ov[o + j] = xv[off + j]!;
    else ov.set(xv.subarray(off, off + run), o);
  }
  return out;
}

/**
 * Reverse along one axis by copying contiguous rows between heap views (tfjs-backend-wasm
 * 4.22's Reverse walks every element: ≈30 ms for a [64, 50, 256] sequence). null for several
 * axes or other dtypes (the original kernel then runs).
 */
function heapReverse(backend: WasmBackend, x: tf.TensorInfo, dims: number[]): tf.TensorInfo | null {
  const View = VIEWS[x.dtype];
  if (!View || x.shape.length === 0) return null;
  const axes = [...new Set(tf.util.parseAxisParam(dims, x.shape))];
  if (axes.length !== 1) return null;
  const axis = axes[0]!;
  const out = backend.makeOutput([...x.shape], x.dtype);
  const total = x.shape.reduce((a, b) => a * b, 1);
  const xv = view(backend, x, View, total);
  const ov = view(backend, out, View, total);
  const n = x.shape[axis]!;
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = total / Math.max(1, n * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < n; i++) {
      const from = base + i * inner;
      const to = base + (n - 1 - i) * inner;
      if (inner < 64) for (let j = 0; j < inner; j++) ov[to + j] = xv[from + j]!;
      else ov.set(xv.subarray(from, from + inner), to);
    }
  }
  return out;
}

export function installHeapSlices(): void {
  replaceKernel('Slice', 'wasm', (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const a = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, a.begin, a.size);
    return heapSlice(asWasm(args.backend), x, begin, size) ?? original(args);
  });
  replaceKernel('Reverse', 'wasm', (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dims } = args.attrs as unknown as { dims: number | number[] };
    return heapReverse(asWasm(args.backend), x, Array.isArray(dims) ? dims : [dims]) ?? original(args);
  });
  replaceKernel('SplitV', 'wasm', (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const a = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    if (!VIEWS[x.dtype]) return original(args);
    const axis = tf.util.parseAxisParam(a.axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.TensorInfo as tf.Tensor, a.numOrSizeSplits, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const part = heapSlice(asWasm(args.backend), x, [...begin], size)!;
      begin[axis]! += s;
      return part;
    });
  });
  replaceKernel('Unpack', 'wasm', (original) => (args) => {
    const { value } = args.inputs as { value: tf.TensorInfo };
    if (!VIEWS[value.dtype]) return original(args);
    let { axis } = args.attrs as unknown as { axis: number };
    if (axis < 0) axis += value.shape.length;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const size = [...value.shape];
    size[axis] = 1;
    return Array.from({ length: value.shape[axis]! }, (_, i) => {
      const begin = new Array<number>(value.shape.length).fill(0);
      begin[axis] = i;
      const { dataId, dtype } = heapSlice(asWasm(args.backend), value, begin, size)!;
      return { dataId, dtype, shape: outShape };
    });
  });
}
