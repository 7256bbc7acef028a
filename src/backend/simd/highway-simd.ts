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

/** A WebAssembly i32 argument: a byte offset in the heap, a count, a flag or an activation's code. */
type I32 = number;
/** A WebAssembly f32 argument. */
type F32 = number;

export interface HighwaySimd {
  /** C = act(op(A)·B + bias + Cin); strides in bytes, 0 for no bias or Cin (gemm.wat). */
  gemm(a: I32, sai: I32, sak: I32, b: I32, ldb: I32, c: I32, ldc: I32, cin: I32, bias: I32, m: I32, n: I32, k: I32, relu: I32): void;
  /** out = inᵀ for a rows × cols matrix (gemm.wat). */
  transpose(from: I32, to: I32, rows: I32, cols: I32): void;
  forward(x: I32, wh: I32, bh: I32, wt: I32, bt: I32, h: I32, t: I32, y: I32, batch: I32, n: I32, activation: I32, keep: I32): void;
  gradients(
    x: I32,
    h: I32,
    t: I32,
    dy: I32,
    wh: I32,
    wt: I32,
    dx: I32,
    dwh: I32,
    dbh: I32,
    dwt: I32,
    dbt: I32,
    scratch: I32,
    batch: I32,
    n: I32,
    activation: I32,
  ): void;
  /** v ← act(v) over n floats, in place; `activation` (here and above) is the code of layers/activations.ts. */
  activateInPlace(p: I32, n: I32, activation: I32): void;
  /** dz = dy·act'(a) over n floats, from out = act(a). */
  activationGrad(dy: I32, out: I32, dz: I32, n: I32, activation: I32): void;
  /** out[j] = Σ_i m[i, j]. */
  columnSums(m: I32, rows: I32, cols: I32, out: I32): void;
  sgd(w: I32, v: I32, g: I32, n: I32, lr: F32, mu: F32, nesterov: I32): void;
  adam(w: I32, m: I32, s: I32, g: I32, n: I32, lr: F32, beta1: F32, beta2: F32, mScale: F32, sScale: F32, eps: F32): void;
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
