/**
 * 3×3 'same' stride-1 convolutions of TF.js ops on the Winograd path (simd/conv.wat,
 * F(4×4, 3×3)): Conv2D, FusedConv2D (bias, relu), Conv2DBackpropInput and Conv2DBackpropFilter
 * on wasm, for square NHWC images with C_in and C_out multiples of 8 — what the plain-conv and
 * residual-conv nets' layers run through autodiff (residual-conv: 83% of its step in XNNPACK's
 * convolutions and conv-gradients.ts's gradients). Installed with the fast paths
 * (wasm-conv-fixes.ts); every other convolution goes to the kernel they replaced.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { channelsLast, isOne, type ConvAttrs } from './conv-attrs.js';
import { convWasm, type ConvWasm } from './conv-wasm.js';
import type { KernelFunc } from './internals.js';
import { PLANES, TILE, transformWeights, weightGradients } from './winograd.js';

type Info = tf.TensorInfo;

/** Tiles per block (as conv-kernels.ts). */
const TILES = 8;

let calls = 0;
/** Convolutions run on the Winograd path so far (the tests check that it is taken). */
export const winogradCalls = (): number => calls;

/** The module, if it takes this convolution: x [b, s, s, cin] by filter [3, 3, cin, cout]. */
function applies(a: ConvAttrs, xShape: readonly number[], filterShape: readonly number[]): ConvWasm | null {
  const [, h, w, cin] = xShape as [number, number, number, number];
  const [kh, kw, fin, cout] = filterShape as [number, number, number, number];
  const same = a.pad === 'same' || a.pad === 1;
  const shapes = h === w && kh === 3 && kw === 3 && fin === cin && cin % 8 === 0 && cout % 8 === 0;
  if (!shapes || !same || !isOne(a.strides) || !isOne(a.dilations) || !channelsLast(a)) return null;
  return convWasm();
}

/** x zero-padded for the tiles, and the side of the padded image. */
function padded(k: ConvWasm, tmp: ReturnType<ConvWasm['scratch']>, x: Info) {
  const [batch, s, , c] = x.shape as [number, number, number, number];
  const p = TILE * Math.ceil(s / TILE) + 2;
  const xp = tmp.alloc([batch, p, p, c]);
  k.conv.pad(k.ptr(x), k.ptr(xp), batch, s, s, c, p, p, 1, 1);
  return { xp, p };
}

/** y = conv(x, W) (+ bias) (relu): Conv2D, and FusedConv2D with a bias and no or relu activation. */
function forward(original: KernelFunc, fused: boolean): KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, Info | undefined>;
    const a = args.attrs as unknown as ConvAttrs & { activation?: string };
    const activation = a.activation ?? 'linear';
    const ok = !fused || ((activation === 'linear' || activation === 'relu') && !preluActivationWeights && (!bias || bias.shape.length === 1));
    const k = ok && x!.dtype === 'float32' ? applies(a, x!.shape, filter!.shape) : null;
    if (!k) return original(args);
    calls++;
    const [batch, s, , c] = x!.shape as [number, number, number, number];
    const n = filter!.shape[3]!;
    const y = k.alloc([batch, s, s, n]);
    const tmp = k.scratch();
    const u = tmp.alloc([PLANES, c, n]);
    const b = tmp.alloc([n]);
    const v = tmp.alloc([PLANES, TILES, c]);
    const m = tmp.alloc([PLANES, TILES, n]);
    const { xp } = padded(k, tmp, x!);
    transformWeights(k, [filter!], c, u);
    if (bias) k.view(b).set(k.view(bias));
    else k.view(b).fill(0);
    k.conv.convForward(k.ptr(xp), k.ptr(u), k.ptr(b), k.ptr(y), batch, s, c, n, TILES, k.ptr(v), k.ptr(m), activation === 'relu' ? 1 : 0);
    tmp.release();
    return y;
  };
}

/** dx (Conv2DBackpropInput: dy, filter) or dW (Conv2DBackpropFilter: x, dy). */
function backward(original: KernelFunc, want: 'dx' | 'dw'): KernelFunc {
  return (args) => {
    const inputs = args.inputs as Record<string, Info>;
    const a = args.attrs as unknown as ConvAttrs & { inputShape?: number[]; filterShape?: number[] };
    const dy = inputs.dy!;
    const xShape = want === 'dx' ? a.inputShape! : inputs.x!.shape;
    const filterShape = want === 'dx' ? inputs.filter!.shape : a.filterShape!;
    const k = dy.dtype === 'float32' ? applies(a, xShape, filterShape) : null;
    if (!k) return original(args);
    calls++;
    const [batch, s, , c] = xShape as [number, number, number, number];
    const n = filterShape[3]!;
    const p = TILE * Math.ceil(s / TILE) + 2;
    const out = k.alloc(want === 'dx' ? [batch, s, s, c] : [3, 3, c, n]);
    const tmp = k.scratch();
    const v = tmp.alloc([PLANES, TILES, c]);
    const m = tmp.alloc([PLANES, TILES, n]);
    const dU = tmp.alloc([PLANES, c, n]);
    const ut = tmp.alloc([PLANES, n, c]);
    // dx needs the padded gradient of x, dW the padded x; each pass reads only its own (pointer 0: unused)
    const dxp = want === 'dx' ? tmp.alloc([batch, p, p, c]) : null;
    const xp = want === 'dw' ? padded(k, tmp, inputs.x!).xp : null;
    const ptr = (t: Info | null) => (t ? k.ptr(t) : 0);
    if (dxp) {
      transformWeights(k, [inputs.filter!], c, ut, dU);
      k.view(dxp).fill(0);
    }
    k.view(dU).fill(0);
    k.conv.backward(ptr(xp), k.ptr(dy), k.ptr(ut), k.ptr(dU), ptr(dxp), batch, s, c, n, TILES, k.ptr(v), k.ptr(m), xp ? 1 : 0, dxp ? 1 : 0);
    if (dxp) k.conv.unpad(k.ptr(dxp), k.ptr(out), batch, s, c, p);
    else weightGradients(k, dU, c, [out]);
    tmp.release();
    return out;
  };
}

export const WINOGRAD_WRAPPERS: Array<[string, (original: KernelFunc) => KernelFunc]> = [
  ['Conv2D', (o) => forward(o, false)],
  ['FusedConv2D', (o) => forward(o, true)],
  ['Conv2DBackpropInput', (o) => backward(o, 'dx')],
  ['Conv2DBackpropFilter', (o) => backward(o, 'dw')],
];
