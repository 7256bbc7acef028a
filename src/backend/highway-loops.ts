/**
 * The parts of a coupled highway layer's passes between its matmuls, as JS loops over the
 * backend's memory: what highway-kernels.ts composes with the backend's own matmul kernels where
 * the SIMD module does not run (the cpu backend; wasm with SIMD off). The SIMD module
 * (simd/highway.wat) computes the same in one call per pass.
 *
 *   combine      (T, H, x)           → y = x + T·(H − x)
 *   backward     (T, H, x, dy; act)  → D = [dA_H | dA_T] (B × 2n), dx_carry = (1 − T)·dy,
 *                                      db_H = Σ_batch dA_H, db_T = Σ_batch dA_T, xᵀ;
 *                                      dA_H = T·dy·act'(H), dA_T = (H − x)·dy·T·(1 − T)
 *   packWeights  (w_h, w_t)          → [W_H | W_T]ᵀ (2n × n)
 *   splitColumns (m: n × 2n)         → m_:,<n, m_:,≥n (the two weight gradients in xᵀ·D)
 *
 * act'(a) is written from h = act(a).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../base/vocabulary.js';
import { ACTIVATION_TABLE } from '../layers/activations.js';
import { asCpu, asWasm } from './internals.js';

type Info = tf.TensorInfo;

/** Read inputs and make outputs on either backend, without an op. */
export interface Memory {
  /** Outputs of these shapes first, then views of them and of the inputs (valid until the next allocation). */
  run(shapes: number[][], inputs: Info[]): { infos: Info[]; out: Float32Array[]; in: Float32Array[] };
}

export function memoryOf(backendName: 'cpu' | 'wasm', backend: unknown): Memory {
  if (backendName === 'wasm') {
    const b = asWasm(backend);
    return {
      run: (shapes, inputs) => {
        // allocate every output first: an allocation may grow (and move) the heap under a view
        const infos = shapes.map((s) => b.makeOutput(s, 'float32'));
        return { infos, out: infos.map((i) => b.typedArrayFromHeap(i)), in: inputs.map((i) => b.typedArrayFromHeap(i)) };
      },
    };
  }
  const b = asCpu(backend);
  return {
    run: (shapes, inputs) => {
      const out = shapes.map((s) => new Float32Array(s.reduce((a, c) => a * c, 1)));
      return { infos: out.map((v, i) => b.makeTensorInfo(shapes[i]!, 'float32', v)), out, in: inputs.map((i) => b.data.get(i.dataId)!.values as Float32Array) };
    },
  };
}

export function packWeights(mem: Memory, { wh, wt }: { wh: Info; wt: Info }): Info[] {
  const n = wh.shape[0]!;
  const { infos, out, in: inp } = mem.run([[2 * n, n]], [wh, wt]);
  const wT = out[0]!;
  const [h, t] = inp as [Float32Array, Float32Array];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      wT[j * n + i] = h[i * n + j]!;
      wT[(n + j) * n + i] = t[i * n + j]!;
    }
  }
  return infos;
}

export function combine(mem: Memory, { t, h, x }: { t: Info; h: Info; x: Info }): Info[] {
  const { infos, out, in: inp } = mem.run([x.shape], [t, h, x]);
  const y = out[0]!;
  const [tv, hv, xv] = inp as [Float32Array, Float32Array, Float32Array];
  for (let i = 0; i < y.length; i++) y[i] = xv[i]! + tv[i]! * (hv[i]! - xv[i]!);
  return infos;
}

export function backward(mem: Memory, { t, h, x, dy }: { t: Info; h: Info; x: Info; dy: Info }, activation: Activation): Info[] {
  const [batch, n] = x.shape as [number, number];
  const d = ACTIVATION_TABLE[activation].derivative;
  const { infos, out, in: inp } = mem.run([[batch, 2 * n], [batch, n], [n], [n], [n, batch]], [t, h, x, dy]);
  const [dA, dxc, dbh, dbt, xT] = out as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  const [tv, hv, xv, g] = inp as [Float32Array, Float32Array, Float32Array, Float32Array];
  dbh.fill(0);
  dbt.fill(0);
  const relu = activation === 'relu';
  for (let r = 0; r < batch; r++) {
    const row = r * n;
    const row2 = 2 * row;
    for (let u = 0; u < n; u++) {
      const i = row + u;
      const ti = tv[i]!;
      const gi = g[i]!;
      const hi = hv[i]!;
      const tg = ti * gi;
      // relu (the default) without a call: act'(a) = 1 where h > 0
      const ah = relu ? (hi > 0 ? tg : 0) : tg * d(hi);
      const at = (hi - xv[i]!) * tg * (1 - ti);
      dA[row2 + u] = ah;
      dA[row2 + n + u] = at;
      dxc[i] = gi - tg;
      dbh[u] = dbh[u]! + ah;
      dbt[u] = dbt[u]! + at;
    }
  }
  for (let u = 0; u < n; u++) for (let r = 0; r < batch; r++) xT[u * batch + r] = xv[r * n + u]!;
  return infos;
}

export function splitColumns(mem: Memory, { m }: { m: Info }): Info[] {
  const [rows, cols] = m.shape as [number, number];
  const half = cols / 2;
  const {
    infos,
    out,
    in: inp,
  } = mem.run(
    [
      [rows, half],
      [rows, half],
    ],
    [m],
  );
  const [left, right] = out as [Float32Array, Float32Array];
  const v = inp[0]!;
  for (let i = 0; i < rows; i++) {
    left.set(v.subarray(i * cols, i * cols + half), i * half);
    right.set(v.subarray(i * cols + half, (i + 1) * cols), i * half);
  }
  return infos;
}
