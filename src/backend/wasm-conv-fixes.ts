/**
 * Wasm kernels for what conv nets run besides their highway layers, from the conv SIMD module
 * (simd/conv.wat); each hands anything it does not cover to the kernel it replaced.
 *
 * - MaxPoolGrad, always (installed with kernel-fixes.ts): tfjs-backend-wasm 4.22's sends the
 *   gradient of a window whose maximum is not positive (a window of zeros after a ReLU) to
 *   element 0 of the tensor (its running maximum starts at FLT_MIN), and took 88 ms per step for
 *   the conv net's three poolings. Here each gradient goes to its window's first maximum, as in
 *   TensorFlow and TF.js's cpu backend: SIMD where the module loads, else a JS loop.
 *
 * With the fast paths (installed and removed with them), besides winograd-kernels.ts's convolutions:
 * - Conv2DBackpropFilter (stride 1): per output row and kernel row one product of a strided view
 *   of the padded input with dy, by the module's matrix kernel (the conv net's first layer, 5×5
 *   from one channel, took 13 ms per step as conv-gradients.ts's convolution).
 * - Sum over every axis but the last (a bias gradient): column sums of the matrix, in one pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { channelsLast, isOne, type ConvAttrs } from './conv-attrs.js';
import { convWasm } from './conv-wasm.js';
import { replaceKernel, restoreKernel, type KernelFunc } from './internals.js';
import { WINOGRAD_WRAPPERS } from './winograd-kernels.js';

type Info = tf.TensorInfo;

function maxPoolGrad(original: KernelFunc): KernelFunc {
  return (args) => {
    const { dy, input } = args.inputs as { dy: Info; input: Info };
    const a = args.attrs as unknown as {
      filterSize: [number, number] | number;
      strides: [number, number] | number;
      pad: 'valid' | 'same' | number;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    const k = convWasm();
    if (!k || input.dtype !== 'float32') return original(args);
    const dx = k.alloc([...input.shape]);
    const square = info.filterHeight === info.filterWidth && info.strideHeight === info.strideWidth;
    if (square && info.inChannels % 4 === 0) {
      const p = k.ptr;
      k.conv.maxPoolGrad(
        p(input),
        p(dy),
        p(dx),
        info.batchSize,
        info.inHeight,
        info.inWidth,
        info.inChannels,
        info.outHeight,
        info.outWidth,
        info.filterHeight,
        info.strideHeight,
        info.padInfo.top,
        info.padInfo.left,
      );
    } else maxPoolGradLoop(info, k.view(input), k.view(dy), k.view(dx));
    return dx;
  };
}

/** The same rule in a plain loop, for the shapes the SIMD function does not take. */
function maxPoolGradLoop(info: tf.backend_util.Conv2DInfo, x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  const {
    batchSize,
    inHeight: h,
    inWidth: w,
    inChannels: c,
    outHeight: oh,
    outWidth: ow,
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
  } = info;
  dx.fill(0);
  for (let b = 0; b < batchSize; b++)
    for (let r = 0; r < oh; r++)
      for (let q = 0; q < ow; q++)
        for (let ch = 0; ch < c; ch++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const ir = r * sh + ky - info.padInfo.top;
              const ic = q * sw + kx - info.padInfo.left;
              if (ir < 0 || ir >= h || ic < 0 || ic >= w) continue;
              const i = ((b * h + ir) * w + ic) * c + ch;
              if (x[i]! > best) {
                best = x[i]!;
                at = i;
              }
            }
          if (at >= 0) dx[at] = dx[at]! + dy[((b * oh + r) * ow + q) * c + ch]!;
        }
}

function filterGrad(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: Info; dy: Info };
    const a = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
    const [kh, kw, cin, cout] = a.filterShape;
    const k = convWasm();
    if (!k || x.dtype !== 'float32' || !isOne(a.strides) || kh !== kw || cout % 8 !== 0 || !channelsLast(a)) return original(args);
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, 1, 1, a.pad, a.dimRoundingMode);
    const { batchSize, inHeight, inWidth, outHeight, outWidth, padInfo } = info;
    const ph = outHeight + kh - 1;
    const pw = outWidth + kw - 1;
    const rowsPad = Math.ceil((kw * cin) / 4) * 4;
    const dw = k.alloc([kh, kw, cin, cout]);
    const tmp = k.scratch();
    // the padded input, with a pixel of slack: the matrix kernel reads up to 3 floats past the last tap
    const xp = tmp.alloc([batchSize * ph * pw * cin + 4]);
    const planes = tmp.alloc([kh, rowsPad, cout]);
    const p = k.ptr;
    k.conv.pad(p(x), p(xp), batchSize, inHeight, inWidth, cin, ph, pw, padInfo.top, padInfo.left);
    k.conv.filterGrad(p(xp), p(dy), p(planes), batchSize, ph, pw, cin, outHeight, outWidth, cout, kh, rowsPad);
    // each kernel row's first kw·cin rows are [kw, cin, cout] of dW
    const from = k.view(planes);
    const to = k.view(dw);
    for (let ky = 0; ky < kh; ky++) to.set(from.subarray(ky * rowsPad * cout, (ky * rowsPad + kw * cin) * cout), ky * kw * cin * cout);
    tmp.release();
    return dw;
  };
}

function columnSums(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: Info };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const k = convWasm();
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const leading = rank >= 2 && axes.length === rank - 1 && axes.every((v, i) => v === i);
    if (!k || x.dtype !== 'float32' || !leading) return original(args);
    const cols = x.shape[rank - 1]!;
    const out = k.alloc(keepDims ? [...x.shape.slice(0, -1).map(() => 1), cols] : [cols]);
    k.conv.sumRows(
      k.ptr(x),
      k.ptr(out),
      x.shape.slice(0, -1).reduce((p, q) => p * q, 1),
      cols,
    );
    return out;
  };
}

const WRAPPERS: Array<[string, (original: KernelFunc) => KernelFunc]> = [
  ['Conv2DBackpropFilter', filterGrad],
  ['Sum', columnSums],
  // after the filter gradient above: 3×3 'same' ones go to Winograd, the rest on to it
  ...WINOGRAD_WRAPPERS,
];
/** The kernels as they were before the fast paths wrapped them. */
const originals = new Map<string, tf.KernelConfig>();

/** The MaxPoolGrad fix, for good (kernel-fixes.ts installs it with the other wasm fixes). */
export function installMaxPoolGradFix(): void {
  replaceKernel('MaxPoolGrad', 'wasm', maxPoolGrad);
}

export function installConvFixes(): void {
  if (originals.size > 0) return;
  for (const [name, wrap] of WRAPPERS) {
    const k = replaceKernel(name, 'wasm', wrap);
    // Conv2DBackpropFilter is wrapped twice (see WRAPPERS): the first replaced kernel is the original
    if (k && !originals.has(name)) originals.set(name, k);
  }
}

export function uninstallConvFixes(): void {
  for (const k of originals.values()) restoreKernel(k);
  originals.clear();
}
