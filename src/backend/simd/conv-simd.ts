/**
 * The conv SIMD module (conv.wat: Winograd convolution, a BiLSTM's recurrence, the highway conv layer's elementwise
 * backward, a stride-1 filter gradient, column sums, max-pooling's gradient; compiled by the build to conv.wasm beside this file),
 * instantiated on tfjs-backend-wasm's own memory like highway-simd.ts. null when the module is
 * missing or cannot run here: the callers then take the generic path (TF.js ops).
 */
import { readFileSync } from 'node:fs';
import { fusedModuleBytes, wasmApi, wasmFile } from './modules.js';

/** A WebAssembly i32 argument: a byte offset in the heap, a count (of elements), or a flag. */
type I32 = number;

export interface ConvSimd {
  pad(x: I32, xp: I32, batch: I32, h: I32, w: I32, c: I32, ph: I32, pw: I32, top: I32, left: I32): void;
  unpad(xp: I32, x: I32, batch: I32, s: I32, c: I32, p: I32): void;
  /** relu ≠ 0: the whole layer (y, H, T); else the pre-activations into h and t, for `combine`. */
  forward(xp: I32, u: I32, bias: I32, y: I32, h: I32, t: I32, batch: I32, s: I32, c: I32, tb: I32, v: I32, m: I32, scratch: I32, relu: I32): void;
  combine(h: I32, t: I32, xp: I32, y: I32, batch: I32, s: I32, c: I32, p: I32, act: I32): void;
  /** n % 8 = 0; relu ≠ 0: y = relu(conv + bias). */
  convForward(xp: I32, u: I32, bias: I32, y: I32, batch: I32, s: I32, c: I32, n: I32, tb: I32, v: I32, m: I32, relu: I32): void;
  backward(xp: I32, dA: I32, ut: I32, dU: I32, dxp: I32, batch: I32, s: I32, c: I32, n: I32, tb: I32, v: I32, m: I32, wantDw: I32, wantDx: I32): void;
  highwayBackward(dy: I32, h: I32, t: I32, xp: I32, dA: I32, dxp: I32, dbias: I32, batch: I32, s: I32, c: I32, act: I32): void;
  filterGrad(xp: I32, dy: I32, dw: I32, batch: I32, ph: I32, pw: I32, cin: I32, oh: I32, ow: I32, cout: I32, k: I32, rowsPad: I32): void;
  sumRows(m: I32, out: I32, rows: I32, cols: I32): void;
  /** U = G w Gᵀ of w [3, 3, c, k] into columns first… of U [36][c][n]; k % 4 = 0. */
  weightsToU(w: I32, u: I32, c: I32, k: I32, n: I32, first: I32): void;
  /** dW = Gᵀ dU G into w [3, 3, c, k] from columns first… of dU [36][c][n]. */
  uToWeights(u: I32, w: I32, c: I32, k: I32, n: I32, first: I32): void;
  transposePlanes(from: I32, to: I32, planes: I32, rows: I32, cols: I32): void;
  /** A BiLSTM's recurrence: pre (columns direction, gate, unit), z [rows, T, 4w], masks, h, c [rows, T, w], R [w, 4w]; w % 4 = 0. */
  lstmForward(pre: I32, masks: I32, r: I32, z: I32, h: I32, c: I32, rows: I32, steps: I32, w: I32): void;
  /** Its gradient: dpre (as pre), dR [w, 4w]; rt = Rᵀ [4w, w]; dz [rows, T, 4w], gh, gc [rows, w] scratch. */
  lstmBackward(dH: I32, z: I32, c: I32, h: I32, masks: I32, rt: I32, dz: I32, dpre: I32, dR: I32, gh: I32, gc: I32, rows: I32, steps: I32, w: I32): void;
  maxPoolGrad(x: I32, dy: I32, dx: I32, batch: I32, h: I32, w: I32, c: I32, oh: I32, ow: I32, k: I32, stride: I32, padTop: I32, padLeft: I32): void;
}

/** Whether the loaded module's products use fused multiply-adds (conv-fma.wasm). */
export let convProductsFused = false;

/**
 * `memory`: the WebAssembly.Memory of tfjs-backend-wasm's module. `fused`: the products with
 * fused multiply-adds where the engine runs them (measured ≈30% faster products), else conv.wasm.
 */
export function loadConvSimd(memory: object, fused = true): ConvSimd | null {
  const fma = fused ? fusedModuleBytes('conv') : null;
  const file = wasmFile('conv');
  if (!fma && !file) return null;
  try {
    const module = new wasmApi.Instance(new wasmApi.Module(fma ?? readFileSync(file!)), { env: { memory } }).exports as ConvSimd;
    convProductsFused = fma !== null;
    return module;
  } catch {
    return null;
  }
}
