/**
 * A bidirectional LSTM's whole recurrence as one kernel each way on wasm (the conv SIMD module's
 * lstmForward, lstmBackward), registered with the fast paths:
 *
 *   LstmForward   (pre [B, T, 4w], masks [B, T, w], r [w, 4w])  → h, c [B, T, w], z [B, T, 4w]
 *   LstmBackward  (dh, z, c, h, masks, r)                       → dpre [B, T, 4w], dr [w, 4w]
 *
 * with w = 2h units (both directions, w % 4 = 0), pre the input pre-activations as the stored
 * kernel gives them (columns direction, gate, unit; tokens in order: the kernel reads the backward
 * direction's in reverse), masks, h, c, z in step order, z_t = pre_t + h_{t−1}·R, c_t = σ(z_f)·c_{t−1} +
 * σ(z_i)·tanh(z_g), h_t = σ(z_o)·tanh(c_t), h and c carried unchanged where the mask is 0. The
 * recurrent products run in the module's matrix kernel (XNNPACK took ≈0.5 ms, 8 GFLOP/s, for each
 * [50, 100]·[100, 400] step product here), the backward pass through time in one loop, and
 * dR = Σ h_{t−1}ᵀ·dz_t as one product per sequence. layers/lstm-sequence.ts runs the same
 * recurrence as TF.js ops where these are not registered: the reference the tests hold them to.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { convModuleLoads, convWasmFor } from './conv-wasm.js';
import type { KernelOutputs } from '../layers/kernel-contract.js';
import { provideKernel, withdrawKernels, type KernelImpl } from './provide-kernel.js';

type Info = tf.TensorInfo;

const forward: KernelImpl<'LstmForward'> = ({ pre, masks, r }) => {
  const k = convWasmFor('LstmForward');
  const [rows, steps, w] = masks.shape as [number, number, number];
  const outs: KernelOutputs<'LstmForward', Info> = [k.alloc([rows, steps, w]), k.alloc([rows, steps, w]), k.alloc([rows, steps, 4 * w])];
  const [h, c, z] = outs;
  k.conv.lstmForward(k.ptr(pre), k.ptr(masks), k.ptr(r), k.ptr(z), k.ptr(h), k.ptr(c), rows, steps, w);
  return outs;
};

const backward: KernelImpl<'LstmBackward'> = ({ dh, z, c, h, masks, r }) => {
  const k = convWasmFor('LstmBackward');
  const [rows, steps, w] = masks.shape as [number, number, number];
  const outs: KernelOutputs<'LstmBackward', Info> = [k.alloc([rows, steps, 4 * w]), k.alloc([w, 4 * w])];
  const tmp = k.scratch();
  const rt = tmp.alloc([4 * w, w]);
  const dz = tmp.alloc([rows, steps, 4 * w]);
  const gh = tmp.alloc([rows, w]);
  const gc = tmp.alloc([rows, w]);
  const p = k.ptr;
  k.conv.transposePlanes(p(r), p(rt), 1, w, 4 * w);
  k.conv.lstmBackward(p(dh), p(z), p(c), p(h), p(masks), p(rt), p(dz), p(outs[0]), p(outs[1]), p(gh), p(gc), rows, steps, w);
  tmp.release();
  return outs;
};

export function registerLstmKernels(): void {
  if (!convModuleLoads()) return;
  provideKernel('LstmForward', 'wasm', forward);
  provideKernel('LstmBackward', 'wasm', backward);
}

export function unregisterLstmKernels(): void {
  withdrawKernels(['LstmForward', 'LstmBackward'], 'wasm');
}
