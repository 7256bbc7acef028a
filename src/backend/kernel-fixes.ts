/**
 * Kernel-level fixes, installed when a backend is chosen. wasm: missing kernels
 * (Conv2DBackpropFilter, so conv nets train; UnsortedSegmentSum, so embeddings train) and slow
 * paths (transposed matmuls, conv gradients). cpu: a slow UnsortedSegmentSum.
 *
 * Matmuls with a transposed operand take a slow path in tfjs-backend-wasm 4.22 (measured here:
 * ≈450 µs for [128,50]ᵀ·[128,50] against ≈55 µs for the same product untransposed), and every
 * matmul gradient uses one. The wrapped kernels transpose such an operand explicitly (a ≈10 µs
 * Transpose kernel) and call the original kernel untransposed: same numbers, fast path.
 */
import * as tf from '@tensorflow/tfjs-core';

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
    for (const [key, flag] of [['a', attrs.transposeA], ['b', attrs.transposeB]] as const) {
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
    (original[name] ?? tf.getKernel(name, 'wasm')!.kernelFunc)({ inputs: inputs as unknown as tf.NamedTensorInfoMap, backend, attrs: attrs as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
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
    const keep = (t: tf.TensorInfo) => (temps.push(t), t);
    const flipped = keep(run('Reverse', { x: filter }, { dims: [0, 1] }));
    const swapped = keep(run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] }));
    const dyPad = keep(run('PadV2', { x: dy }, { paddings: [[0, 0], [KH - 1 - p.top, KH - 1 - p.bottom], [KW - 1 - p.left, KW - 1 - p.right], [0, 0]], constantValue: 0 }));
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
  const keep = (t: tf.TensorInfo) => (temps.push(t), t);
  const xPad = keep(run('PadV2', { x }, { paddings: [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]], constantValue: 0 }));
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
  const a = args.attrs as unknown as { strides: [number, number] | number; pad: 'valid' | 'same' | number; dataFormat: string; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number] };
  if (a.dataFormat && a.dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on wasm: only NHWC is supported, got ${a.dataFormat}`);
  const run = (name: string, inputs: Record<string, tf.TensorInfo> | tf.TensorInfo[], attrs: Record<string, unknown>) =>
    tf.getKernel(name, 'wasm')!.kernelFunc({ inputs: inputs as unknown as tf.NamedTensorInfoMap, backend, attrs: attrs as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode);
  const { batchSize: B, outHeight: OH, outWidth: OW, inChannels: CI, outChannels: CO, filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW, padInfo } = info;
  const temps: tf.TensorInfo[] = [];
  const keep = <T extends tf.TensorInfo>(t: T) => (temps.push(t), t);
  const xPad = keep(run('PadV2', { x }, { paddings: [[0, 0], [padInfo.top, padInfo.bottom], [padInfo.left, padInfo.right], [0, 0]], constantValue: 0 }));
  const dy2 = keep(run('Reshape', { x: dy }, { shape: [B * OH * OW, CO] }));
  const taps: tf.TensorInfo[] = [];
  for (let i = 0; i < KH; i++) {
    for (let j = 0; j < KW; j++) {
      const patch = keep(
        SH === 1 && SW === 1
          ? run('Slice', { x: xPad }, { begin: [0, i, j, 0], size: [B, OH, OW, CI] })
          : run('StridedSlice', { x: xPad }, { begin: [0, i, j, 0], end: [B, i + SH * (OH - 1) + 1, j + SW * (OW - 1) + 1, CI], strides: [1, SH, SW, 1], beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 }),
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
  const transpose = tf.getKernel('Transpose', 'wasm')?.kernelFunc;
  if (!transpose) return;
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const k = tf.getKernel(name, 'wasm');
    if (!k) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...k, kernelFunc: untransposing(k.kernelFunc, transpose) });
  }
}
