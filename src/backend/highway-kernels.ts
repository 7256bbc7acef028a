/**
 * A coupled highway layer as two kernels, for the cpu and wasm backends:
 *
 *   HighwayForward   (x, w_h, b_h, w_t, b_t; activation, keep) → y, H, T
 *                    H = act(x·W_H + b_H), T = σ(x·W_T + b_T), y = x + T·(H − x);
 *                    keep false: y alone (nothing will need H and T: evaluation)
 *   HighwayGradients (x, H, T, dy, w_h, w_t; activation)   → dx, dW_H, db_H, dW_T, db_T
 *                    with D = [dA_H | dA_T], dA_H = T·dy·act'(H), dA_T = (H − x)·dy·T·(1 − T):
 *                    dx = (1 − T)·dy + D·[W_H | W_T]ᵀ, [dW_H | dW_T] = xᵀ·D, db = Σ_batch D
 *
 * On wasm each is one call into the SIMD module (simd/highway.wat, products in simd/gemm.wat): no
 * engine, no XNNPACK operator, no temporary tensor. Elsewhere (cpu, or SIMD off) each is the
 * backend's own matmul kernels with the JS loops of highway-loops.ts between them. Where these
 * kernels are not registered (tfjs-node, or fast paths off) the layer runs the same formulas as
 * ops: the reference the tests hold them to, with a float64 computation and finite differences.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../base/vocabulary.js';
import { ACTIVATION_TABLE } from '../layers/activations.js';
import type { KernelOutputs } from '../layers/kernel-contract.js';
import { kernelRunner } from './internals.js';
import { backward, combine, memoryOf, packWeights, splitColumns } from './highway-loops.js';
import { provideKernel, withdrawKernels, type KernelImpl } from './provide-kernel.js';
import { wasmSimd, type WasmSimd } from './wasm-simd.js';

type Info = tf.TensorInfo;
type BackendName = 'cpu' | 'wasm';

/** The backend's own kernels, called on TensorInfos (outputs are the caller's to dispose). */
function kernelsOf(backendName: BackendName, backend: tf.KernelBackend) {
  const run = kernelRunner(backendName, backend);
  const as2d = (t: Info, rows: number, cols: number): Info => ({ dataId: t.dataId, dtype: t.dtype, shape: [rows, cols] });
  const batched = (t: Info): Info => ({ dataId: t.dataId, dtype: t.dtype, shape: [1, ...t.shape] });
  return {
    /** a·b, or act(a·b + bias) */
    product(a: Info, b: Info, bias?: Info, activation: Activation = 'linear'): Info {
      const [rows, cols] = [a.shape[0]!, b.shape[1]!];
      if (!bias) return as2d(run('BatchMatMul', { a: batched(a), b: batched(b) }, { transposeA: false, transposeB: false }), rows, cols);
      const fused = (act: tf.fused.Activation) =>
        as2d(run('_FusedMatMul', { a: batched(a), b: batched(b), bias }, { transposeA: false, transposeB: false, activation: act }), rows, cols);
      const { matmul } = ACTIVATION_TABLE[activation];
      if ('fused' in matmul) return fused(matmul.fused);
      // an activation the fused kernels do not apply (tanh): its own kernel after a linear one
      const z = fused('linear');
      const out = run(matmul.after, { x: z });
      backend.disposeData(z.dataId);
      return out;
    },
    add: (a: Info, b: Info): Info => run('Add', { a, b }),
    dispose: (...ts: Info[]) => {
      for (const t of ts) backend.disposeData(t.dataId);
    },
  };
}

const at = (simd: WasmSimd, t: Info): number => simd.ptr(t)!;

const forward =
  (backendName: BackendName): KernelImpl<'HighwayForward'> =>
  ({ x, wh, bh, wt, bt }, { activation, keep }, backend) => {
    const [batch, n] = x.shape as [number, number];
    const code = ACTIVATION_TABLE[activation].simd;
    const simd = backendName === 'wasm' ? wasmSimd() : null;
    if (simd) {
      // evaluation: H and T only as one 64-row block's scratch
      const scratchRows = keep ? batch : Math.min(batch, 64);
      const [y, h, t] = [simd.alloc([batch, n]), simd.alloc([scratchRows, n]), simd.alloc([scratchRows, n])] as [Info, Info, Info];
      simd.kernels.forward(
        at(simd, x),
        at(simd, wh),
        at(simd, bh),
        at(simd, wt),
        at(simd, bt),
        at(simd, h),
        at(simd, t),
        at(simd, y),
        batch,
        n,
        code,
        keep ? 1 : 0,
      );
      if (keep) return [y, h, t];
      backend.disposeData(h.dataId);
      backend.disposeData(t.dataId);
      return [y];
    }
    const k = kernelsOf(backendName, backend);
    const h = k.product(x, wh, bh, activation);
    const t = k.product(x, wt, bt, 'sigmoid');
    const [y] = combine(memoryOf(backendName, backend), { t, h, x }) as [Info];
    if (keep) return [y, h, t];
    k.dispose(h, t);
    return [y];
  };

const gradients =
  (backendName: BackendName): KernelImpl<'HighwayGradients'> =>
  ({ x, h, t, dy, wh, wt }, { activation }, backend) => {
    const [batch, n] = x.shape as [number, number];
    const code = ACTIVATION_TABLE[activation].simd;
    const simd = backendName === 'wasm' ? wasmSimd() : null;
    if (simd) {
      const outs = [simd.alloc([batch, n]), simd.alloc([n, n]), simd.alloc([n]), simd.alloc([n, n]), simd.alloc([n])];
      // D, (1 − T)·dy and [W_H | W_T]ᵀ, freed again at once
      const scratch = simd.alloc([batch * 3 * n + 2 * n * n]);
      const [dx, dwh, dbh, dwt, dbt] = outs.map((o) => at(simd, o)) as [number, number, number, number, number];
      simd.kernels.gradients(
        at(simd, x),
        at(simd, h),
        at(simd, t),
        at(simd, dy),
        at(simd, wh),
        at(simd, wt),
        dx,
        dwh,
        dbh,
        dwt,
        dbt,
        at(simd, scratch),
        batch,
        n,
        code,
      );
      backend.disposeData(scratch.dataId);
      return outs as KernelOutputs<'HighwayGradients', Info>;
    }
    const mem = memoryOf(backendName, backend);
    const k = kernelsOf(backendName, backend);
    const [d, dxCarry, dbh, dbt, xT] = backward(mem, { t, h, x, dy }, activation) as [Info, Info, Info, Info, Info];
    const [wT] = packWeights(mem, { wh, wt }) as [Info];
    const dwdx = k.product(d, wT);
    const dx = k.add(dxCarry, dwdx);
    const dw = k.product(xT, d);
    const [dwh, dwt] = splitColumns(mem, { m: dw }) as [Info, Info];
    k.dispose(d, dxCarry, xT, wT, dwdx, dw);
    return [dx, dwh, dbh, dwt, dbt];
  };

export function registerHighwayKernels(backendName: BackendName): void {
  provideKernel('HighwayForward', backendName, forward(backendName));
  provideKernel('HighwayGradients', backendName, gradients(backendName));
}

export function unregisterHighwayKernels(backendName: BackendName): void {
  withdrawKernels(['HighwayForward', 'HighwayGradients'], backendName);
}
