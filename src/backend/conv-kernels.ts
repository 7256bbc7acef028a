/**
 * The coupled highway conv layer's two kernels on wasm, in WebAssembly SIMD (simd/conv.wat),
 * registered with the fast paths (fast-paths.ts):
 *
 *   HighwayConv2D          (x, w_h, b_h, w_t, b_t; act) → y = x + T·(H − x), H, T, xp
 *   HighwayConv2DBackward  (dy, H, T, xp, w_h, w_t; act) → dx, dW_H, db_H, dW_T, db_T
 *
 * for 3×3 'same' layers (H = act(conv(x, W_H) + b_H), T = σ(conv(x, W_T) + b_T)), square images
 * and C % 8 = 0. H and T are one convolution of 2C outputs, by Winograd F(4×4, 3×3); xp is x
 * zero-padded for the tiles, kept for the backward pass. The backward pass is the closed form:
 * dA = [T·dy·act'(H) | (H − x)·dy·T·(1 − T)], dx = (1 − T)·dy + conv2dᵀ(dA, [W_H | W_T]),
 * dW = x ⋆ dA, db = Σ dA, the two products in one tiled pass. Where these do not apply the layer
 * runs the same formulas as TF.js ops (layers/highway-conv2d.ts), the reference the tests hold these to.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { ACTIVATION_TABLE } from '../layers/activations.js';
import type { KernelOutputs } from '../layers/kernel-contract.js';
import { convModuleLoads, convWasmFor } from './conv-wasm.js';
import { provideKernel, withdrawKernels, type KernelImpl } from './provide-kernel.js';
import { installConvFixes, uninstallConvFixes } from './wasm-conv-fixes.js';
import { PLANES, TILE, transformWeights, weightGradients } from './winograd.js';

type Info = tf.TensorInfo;

/**
 * Tiles per block of the tiled passes. Measured at the first stage's shapes (batch 100, 28×28×16,
 * CPU time, best of 5): forward 21.0 / 21.1 / 24.0 / 25.5 ms and backward 25.2 / 24.5 / 30.9 /
 * 33.6 ms for 8 / 16 / 32 / 64 tiles: V and M of a block (16·TILES·3C floats) stay in L1/L2.
 */
const TILES = 8;

const forward: KernelImpl<'HighwayConv2D'> = ({ x, wh, bh, wt, bt }, { activation }) => {
  const k = convWasmFor('HighwayConv2D');
  const [batch, s, , c] = x.shape as [number, number, number, number];
  const p = TILE * Math.ceil(s / TILE) + 2;
  const tmp = k.scratch();
  // outputs first, then the temporaries, then views: each allocation may move the heap
  const outs: KernelOutputs<'HighwayConv2D', Info> = [k.alloc(x.shape), k.alloc(x.shape), k.alloc(x.shape), k.alloc([batch, p, p, c])];
  const [y, h, t, xp] = outs;
  const u = tmp.alloc([PLANES, c, 2 * c]);
  const bias = tmp.alloc([2 * c]);
  const v = tmp.alloc([PLANES, TILES, c]);
  const m = tmp.alloc([PLANES, TILES, 2 * c]);
  const scr = tmp.alloc([32, 4]);
  const { ptr, conv } = k;
  transformWeights(k, [wh, wt], c, u);
  const b = k.view(bias);
  b.set(k.view(bh));
  b.set(k.view(bt), c);
  conv.pad(ptr(x), ptr(xp), batch, s, s, c, p, p, 1, 1);
  // relu (the default) runs inside the tiled pass; other activations in a pass of their own
  const relu = activation === 'relu';
  conv.forward(ptr(xp), ptr(u), ptr(bias), ptr(y), ptr(h), ptr(t), batch, s, c, TILES, ptr(v), ptr(m), ptr(scr), relu ? 1 : 0);
  if (!relu) conv.combine(ptr(h), ptr(t), ptr(xp), ptr(y), batch, s, c, p, ACTIVATION_TABLE[activation].simd);
  tmp.release();
  return outs;
};

const backward: KernelImpl<'HighwayConv2DBackward'> = ({ dy, h, t, xp, wh, wt }, { activation }) => {
  const k = convWasmFor('HighwayConv2DBackward');
  const [batch, s, , c] = dy.shape as [number, number, number, number];
  const p = TILE * Math.ceil(s / TILE) + 2;
  const tmp = k.scratch();
  const outs: KernelOutputs<'HighwayConv2DBackward', Info> = [k.alloc(dy.shape), k.alloc(wh.shape), k.alloc([c]), k.alloc(wt.shape), k.alloc([c])];
  const [dx, dwh, dbh, dwt, dbt] = outs;
  const dA = tmp.alloc([batch, s, s, 2 * c]);
  const dxp = tmp.alloc([batch, p, p, c]);
  const dbias = tmp.alloc([2 * c]);
  const ut = tmp.alloc([PLANES, 2 * c, c]);
  const dU = tmp.alloc([PLANES, c, 2 * c]);
  const v = tmp.alloc([PLANES, TILES, c]);
  const m = tmp.alloc([PLANES, TILES, 2 * c]);
  const { ptr, conv } = k;
  transformWeights(k, [wh, wt], c, ut, dU);
  k.view(dU).fill(0);
  conv.highwayBackward(ptr(dy), ptr(h), ptr(t), ptr(xp), ptr(dA), ptr(dxp), ptr(dbias), batch, s, c, ACTIVATION_TABLE[activation].simd);
  conv.backward(ptr(xp), ptr(dA), ptr(ut), ptr(dU), ptr(dxp), batch, s, c, 2 * c, TILES, ptr(v), ptr(m), 1, 1);
  conv.unpad(ptr(dxp), ptr(dx), batch, s, c, p);
  weightGradients(k, dU, c, [dwh, dwt]);
  const db = k.view(dbias);
  k.view(dbh).set(db.subarray(0, c));
  k.view(dbt).set(db.subarray(c));
  tmp.release();
  return outs;
};

/**
 * Registered only where the module loads on the wasm backend's memory (the layer takes the
 * kernels where they are registered), with the faster wasm kernels of wasm-conv-fixes.ts.
 */
export function registerConvKernels(): void {
  if (!convModuleLoads()) return;
  provideKernel('HighwayConv2D', 'wasm', forward);
  provideKernel('HighwayConv2DBackward', 'wasm', backward);
  installConvFixes();
}

export function unregisterConvKernels(): void {
  withdrawKernels(['HighwayConv2D', 'HighwayConv2DBackward'], 'wasm');
  uninstallConvFixes();
}
