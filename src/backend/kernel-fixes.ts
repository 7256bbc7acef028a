/**
 * Kernel-level fixes, installed when a backend is chosen. wasm: missing kernels
 * (Conv2DBackpropFilter, so conv nets train; UnsortedSegmentSum, so embeddings train), a wrong
 * one (MaxPoolGrad, wasm-conv-fixes.ts) and slow paths (transposed matmuls, conv gradients,
 * slices). cpu: a slow UnsortedSegmentSum.
 *
 * Matmuls with a transposed operand take a slow path in tfjs-backend-wasm 4.22 (measured here:
 * ≈450 µs for [128,50]ᵀ·[128,50] against ≈55 µs for the same product untransposed), and every
 * matmul gradient uses one. The wrapped kernels transpose such an operand explicitly (a ≈10 µs
 * Transpose kernel) and call the original kernel untransposed: same numbers, fast path.
 */
import * as tf from '@tensorflow/tfjs-core';
import { installMaxPoolGradFix } from './wasm-conv-fixes.js';
import { installEmbeddingKernels } from './wasm-embedding.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Attrs = { transposeA?: boolean; transposeB?: boolean };

function swapLastTwo(rank: number): number[] {
  return [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
}

function untransposing(original: KernelFunc, transpose: KernelFunc): KernelFunc {
  return (args) => {
    const attrs = args.attrs as unknown as Attrs;
    if (!attrs.transposeA && !attrs.transposeB) return original(args);
    const inputs = { ...(args.inputs as Record<string, tf.TensorInfo>) };
    const temps: tf.TensorInfo[] = [];
    for (const [key, flag] of [
      ['a', attrs.transposeA],
      ['b', attrs.transposeB],
    ] as const) {
      if (!flag) continue;
      const x = inputs[key]!;
      const t = transpose({ inputs: { x }, backend: args.backend, attrs: { perm: swapLastTwo(x.shape.length) } }) as tf.TensorInfo;
      temps.push(t);
      inputs[key] = t;
    }
    const out = original({ ...args, inputs, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    for (const t of temps) (args.backend as tf.KernelBackend).disposeData(t.dataId);
    return out;
  };
}

type RunKernel = (name: string, inputs: Record<string, tf.TensorInfo> | tf.TensorInfo[], attrs: Record<string, unknown>) => tf.TensorInfo;

function runner(backend: tf.KernelBackend, original: Partial<Record<string, KernelFunc>> = {}): RunKernel {
  return (name, inputs, attrs) =>
    (original[name] ?? tf.getKernel(name, 'wasm')!.kernelFunc)({
      inputs: inputs as unknown as tf.NamedTensorInfoMap,
      backend,
      attrs: attrs as unknown as tf.NamedAttrMap,
    }) as tf.TensorInfo;
}

/** x (NHWC) with zeros around its height and width, as a convolution's padding says. */
function padSpatially(run: RunKernel, x: tf.TensorInfo, p: { top: number; bottom: number; left: number; right: number }): tf.TensorInfo {
  const paddings = [
    [0, 0],
    [p.top, p.bottom],
    [p.left, p.right],
    [0, 0],
  ];
  return run('PadV2', { x }, { paddings, constantValue: 0 });
}

interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dataFormat: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: [number, number] | number;
}

const isOne = (v: [number, number] | number | undefined) => v === undefined || v === 1 || (Array.isArray(v) && v[0] === 1 && v[1] === 1);

/**
 * Stride-1 convolution gradients as forward convolutions, which wasm runs through XNNPACK
 * (measured at batch 50, 28×28×16, 3×3: input gradient 64.5 → 6.8 ms, filter gradient
 * 44 → 12.4 ms):
 *   dx = conv(pad(dy), flip(W) with in/out swapped), valid;
 *   dW = conv(x_padᵀ [Cin, H, W, B], dyᵀ [OH, OW, B, Cout]), valid, as [Cin, KH, KW, Cout] → [KH, KW, Cin, Cout].
 */
function conv2dBackpropInputFast(original: KernelFunc): KernelFunc {
  return (args) => {
    const a = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    if (!isOne(a.strides) || !isOne(a.dilations) || (a.dataFormat && a.dataFormat !== 'NHWC')) return original(args);
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const backend = args.backend as tf.KernelBackend;
    const run = runner(backend);
    const [KH, KW] = filter.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], 1, 1, a.pad, a.dimRoundingMode);
    const p = info.padInfo;
    const temps: tf.TensorInfo[] = [];
    const keep = (t: tf.TensorInfo) => {
      temps.push(t);
      return t;
    };
    const flipped = keep(run('Reverse', { x: filter }, { dims: [0, 1] }));
    const swapped = keep(run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] }));
    const dyPad = keep(
      run(
        'PadV2',
        { x: dy },
        {
          paddings: [
            [0, 0],
            [KH - 1 - p.top, KH - 1 - p.bottom],
            [KW - 1 - p.left, KW - 1 - p.right],
            [0, 0],
          ],
          constantValue: 0,
        },
      ),
    );
    const out = run('Conv2D', { x: dyPad, filter: swapped }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 });
    for (const t of temps) backend.disposeData(t.dataId);
    return out;
  };
}

function conv2dBackpropFilterFast(args: Parameters<KernelFunc>[0]): tf.TensorInfo {
  const a = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  if (!isOne(a.strides) || (a.dataFormat && a.dataFormat !== 'NHWC')) return conv2dBackpropFilter(args);
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const backend = args.backend as tf.KernelBackend;
  const run = runner(backend);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, 1, 1, a.pad, a.dimRoundingMode);
  const p = info.padInfo;
  const temps: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo) => {
    temps.push(t);
    return t;
  };
  const xPad = keep(padSpatially(run, x, p));
  const xT = keep(run('Transpose', { x: xPad }, { perm: [3, 1, 2, 0] }));
  const dyT = keep(run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }));
  const w = keep(run('Conv2D', { x: xT, filter: dyT }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 }));
  const out = run('Transpose', { x: w }, { perm: [1, 2, 0, 3] });
  for (const t of temps) backend.disposeData(t.dataId);
  return out;
}

/**
 * Conv2DBackpropFilter, missing from tfjs-backend-wasm 4.22 ("Kernel 'Conv2DBackpropFilter' not
 * registered for backend 'wasm'"), built from kernels wasm has. With x zero-padded as the
 * forward pass padded it, each filter tap (i, j) is one matmul:
 *   dW[i, j] = X_ijᵀ · dY,  X_ij = x_pad[:, i + s·oh, j + s·ow, :] as [B·OH·OW, Cin], dY as [B·OH·OW, Cout].
 * NHWC, any strides; dilation 1 (what conv2d's gradient asks for). Stride 1 takes the faster
 * convolution form above; this one serves the other strides.
 */
function conv2dBackpropFilter(args: Parameters<KernelFunc>[0]): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const backend = args.backend as tf.KernelBackend;
  const a = args.attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dataFormat: string;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (a.dataFormat && a.dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on wasm: only NHWC is supported, got ${a.dataFormat}`);
  const run = (name: string, inputs: Record<string, tf.TensorInfo> | tf.TensorInfo[], attrs: Record<string, unknown>) =>
    tf
      .getKernel(name, 'wasm')!
      .kernelFunc({ inputs: inputs as unknown as tf.NamedTensorInfoMap, backend, attrs: attrs as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode);
  const {
    batchSize: B,
    outHeight: OH,
    outWidth: OW,
    inChannels: CI,
    outChannels: CO,
    filterHeight: KH,
    filterWidth: KW,
    strideHeight: SH,
    strideWidth: SW,
    padInfo,
  } = info;
  const temps: tf.TensorInfo[] = [];
  const keep = <T extends tf.TensorInfo>(t: T) => {
    temps.push(t);
    return t;
  };
  const xPad = keep(padSpatially(run, x, padInfo));
  const dy2 = keep(run('Reshape', { x: dy }, { shape: [B * OH * OW, CO] }));
  const taps: tf.TensorInfo[] = [];
  for (let i = 0; i < KH; i++) {
    for (let j = 0; j < KW; j++) {
      const patch = keep(
        SH === 1 && SW === 1
          ? run('Slice', { x: xPad }, { begin: [0, i, j, 0], size: [B, OH, OW, CI] })
          : run(
              'StridedSlice',
              { x: xPad },
              {
                begin: [0, i, j, 0],
                end: [B, i + SH * (OH - 1) + 1, j + SW * (OW - 1) + 1, CI],
                strides: [1, SH, SW, 1],
                beginMask: 0,
                endMask: 0,
                ellipsisMask: 0,
                newAxisMask: 0,
                shrinkAxisMask: 0,
              },
            ),
      );
      const flat = keep(run('Reshape', { x: patch }, { shape: [B * OH * OW, CI] }));
      taps.push(keep(run('BatchMatMul', { a: flat, b: dy2 }, { transposeA: true, transposeB: false })));
    }
  }
  const all = keep(run('Concat', taps, { axis: 0 }));
  const out = run('Reshape', { x: all }, { shape: [KH, KW, CI, CO] });
  for (const t of temps) backend.disposeData(t.dataId);
  return out;
}

/**
 * UnsortedSegmentSum, missing from tfjs-backend-wasm 4.22: the gradient of a gather (an
 * embedding lookup) needs it. out[s] = Σ_{i: ids[i] = s} x[i], ids out of range dropped (as in
 * TensorFlow). A plain loop in JS over copies of the inputs; the sizes here are embedding-sized.
 */
function unsortedSegmentSum(args: Parameters<KernelFunc>[0]): tf.TensorInfo {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as unknown as { numSegments: number };
  const backend = args.backend as tf.KernelBackend & {
    makeOutput?(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
    makeTensorInfo?(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
  };
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
  return tf.getBackend() === 'wasm' ? backend.makeOutput!(shape, x.dtype, undefined, out) : backend.makeTensorInfo!(shape, x.dtype, out);
}

/**
 * The cpu backend's own UnsortedSegmentSum runs tensor ops once per segment (O(segments × rows):
 * minutes per step for a 16k-word embedding); the linear loop above replaces it.
 */
export function installCpuKernelFixes(): void {
  if (tf.getKernel('UnsortedSegmentSum', 'cpu')) tf.unregisterKernel('UnsortedSegmentSum', 'cpu');
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'cpu', kernelFunc: unsortedSegmentSum });
}

/** The wasm backend's internals that a heap view needs. */
interface WasmBackendInternals extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number } };
  wasm: { HEAPU8: Uint8Array };
}

const VIEWS: Partial<Record<tf.DataType, Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor>> = {
  float32: Float32Array,
  int32: Int32Array,
  bool: Uint8Array,
};

/**
 * Slice on wasm without the copy: tfjs-backend-wasm 4.22's Slice (and SplitV and Unpack, which
 * call it once per output) first copies the whole input out of the wasm heap (`readSync`), so
 * splitting an LSTM's gate pre-activations cost ≈200 µs and unstacking T steps copied the
 * sequence T times. This one allocates the output first (allocation may grow the heap), then
 * copies only the selected elements between views of the heap: contiguous runs of the
 * innermost dimensions with `set`. null for dtypes it does not handle (string, complex64).
 */
/** A typed view of a tensor's memory inside the wasm heap (valid until the heap next grows). */
function heapView(backend: WasmBackendInternals, t: tf.TensorInfo, View: NonNullable<(typeof VIEWS)[tf.DataType]>, length: number) {
  return new View(backend.wasm.HEAPU8.buffer as ArrayBuffer, backend.dataIdMap.get(t.dataId).memoryOffset, length);
}

function heapSlice(backend: WasmBackendInternals, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo | null {
  const View = VIEWS[x.dtype];
  if (!View) return null;
  const out = backend.makeOutput(size, x.dtype);
  const total = size.reduce((a, b) => a * b, 1);
  if (total === 0) return out;
  const xv = heapView(
    backend,
    x,
    View,
    x.shape.reduce((a, b) => a * b, 1),
  );
  const ov = heapView(backend, out, View, total);
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
function heapReverse(backend: WasmBackendInternals, x: tf.TensorInfo, dims: number[]): tf.TensorInfo | null {
  const View = VIEWS[x.dtype];
  if (!View || x.shape.length === 0) return null;
  const axes = [...new Set(tf.util.parseAxisParam(dims, x.shape))];
  if (axes.length !== 1) return null;
  const axis = axes[0]!;
  const out = backend.makeOutput([...x.shape], x.dtype);
  const total = x.shape.reduce((a, b) => a * b, 1);
  const xv = heapView(backend, x, View, total);
  const ov = heapView(backend, out, View, total);
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

function installHeapSlices(): void {
  const replace = (name: string, make: (original: KernelFunc) => KernelFunc) => {
    const k = tf.getKernel(name, 'wasm');
    if (!k) return;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...k, kernelFunc: make(k.kernelFunc) });
  };
  replace('Slice', (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const a = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, a.begin, a.size);
    return heapSlice(args.backend as WasmBackendInternals, x, begin, size) ?? original(args);
  });
  replace('Reverse', (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dims } = args.attrs as unknown as { dims: number | number[] };
    return heapReverse(args.backend as WasmBackendInternals, x, Array.isArray(dims) ? dims : [dims]) ?? original(args);
  });
  replace('SplitV', (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const a = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    if (!VIEWS[x.dtype]) return original(args);
    const axis = tf.util.parseAxisParam(a.axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.TensorInfo as tf.Tensor, a.numOrSizeSplits, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const part = heapSlice(args.backend as WasmBackendInternals, x, [...begin], size)!;
      begin[axis]! += s;
      return part;
    });
  });
  replace('Unpack', (original) => (args) => {
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
      const { dataId, dtype } = heapSlice(args.backend as WasmBackendInternals, value, begin, size)!;
      return { dataId, dtype, shape: outShape };
    });
  });
}

let installed = false;

export function installWasmKernelFixes(): void {
  if (installed) return;
  installed = true;
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilterFast });
  }
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum });
  }
  const input = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (input) {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({ ...input, kernelFunc: conv2dBackpropInputFast(input.kernelFunc) });
  }
  installHeapSlices();
  installMaxPoolGradFix();
  installEmbeddingKernels();
  const transpose = tf.getKernel('Transpose', 'wasm')?.kernelFunc;
  if (!transpose) return;
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const k = tf.getKernel(name, 'wasm');
    if (!k) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...k, kernelFunc: untransposing(k.kernelFunc, transpose) });
  }
}
