/**
 * The SIMD modules, compiled by the build from the .wat files beside this one and instantiated on
 * tfjs-backend-wasm's own memory so that they read and write tensors in place: gemm.wat (matrix
 * products), highway.wat (a highway layer's forward and backward passes, which call gemm's
 * products) and optimizer.wat (the optimisers' updates). null when a module is missing or cannot
 * run here: the callers then use their JS loops and the backend's own kernels.
 *
 * The products come from gemm-fma.wasm (the same products with fused multiply-adds, relaxed SIMD)
 * where the engine runs relaxed SIMD: Node 22 and later do by default, Node 20 behind a V8 flag
 * that this loader switches on. HIGHWAY_WASM_FMA=0 in the environment keeps gemm.wasm.
 */
import { readFileSync } from 'node:fs';
import { fusedModuleBytes, wasmApi, wasmFile } from './modules.js';

export interface HighwaySimd {
  /** C = act(op(A)·B + bias + Cin); strides in bytes, 0 for no bias or Cin (gemm.wat). */
  gemm(
    a: number,
    sai: number,
    sak: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    cin: number,
    bias: number,
    m: number,
    n: number,
    k: number,
    relu: number,
  ): void;
  /** out = inᵀ for a rows × cols matrix (gemm.wat). */
  transpose(from: number, to: number, rows: number, cols: number): void;
  forward(
    x: number,
    wh: number,
    bh: number,
    wt: number,
    bt: number,
    h: number,
    t: number,
    y: number,
    batch: number,
    n: number,
    activation: number,
    keep: number,
  ): void;
  gradients(
    x: number,
    h: number,
    t: number,
    dy: number,
    wh: number,
    wt: number,
    dx: number,
    dwh: number,
    dbh: number,
    dwt: number,
    dbt: number,
    scratch: number,
    batch: number,
    n: number,
    activation: number,
  ): void;
  /** v ← act(v) over n floats, in place; `activation` (here and above) is the code of layers/activations.ts. */
  activateInPlace(p: number, n: number, activation: number): void;
  /** dz = dy·act'(a) over n floats, from out = act(a). */
  activationGrad(dy: number, out: number, dz: number, n: number, activation: number): void;
  /** out[j] = Σ_i m[i, j]. */
  columnSums(m: number, rows: number, cols: number, out: number): void;
  sgd(w: number, v: number, g: number, n: number, lr: number, mu: number, nesterov: number): void;
  adam(w: number, m: number, s: number, g: number, n: number, lr: number, beta1: number, beta2: number, mScale: number, sScale: number, eps: number): void;
}

/** Which products the loaded modules use: fused multiply-adds (gemm-fma.wasm) or not (gemm.wasm). */
export let productsFused = false;

/** `memory`: the WebAssembly.Memory of tfjs-backend-wasm's module. `fused`: false keeps gemm.wasm. */
export function loadHighwaySimd(memory: object, fused = true): HighwaySimd | null {
  const files = ['gemm', 'highway', 'optimizer'].map(wasmFile);
  if (files.some((f) => f === null)) return null;
  const [gemmFile, highwayFile, optimizerFile] = files as [string, string, string];
  const instantiate = (bytes: Uint8Array, imports: object) =>
    new wasmApi.Instance(new wasmApi.Module(bytes), { env: { memory }, ...imports }).exports as Record<string, unknown>;
  try {
    const fma = fused ? fusedModuleBytes('gemm') : null;
    const gemm = instantiate(fma ?? readFileSync(gemmFile), {});
    productsFused = fma !== null;
    return { ...gemm, ...instantiate(readFileSync(highwayFile), { gemm }), ...instantiate(readFileSync(optimizerFile), {}) } as unknown as HighwaySimd;
  } catch {
    return null;
  }
}
