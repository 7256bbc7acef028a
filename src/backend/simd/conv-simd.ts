/**
 * The conv SIMD module (conv.wat: Winograd convolution, a BiLSTM's recurrence, the highway conv layer's elementwise
 * backward, a stride-1 filter gradient, column sums, max-pooling's gradient; compiled by the build to conv.wasm beside this file),
 * instantiated on tfjs-backend-wasm's own memory like highway-simd.ts. null when the module is
 * missing or cannot run here: the callers then take the generic path (TF.js ops).
 */
import { readFileSync } from 'node:fs';
import { fusedModuleBytes, wasmApi, wasmFile } from './modules.js';

/** Every pointer is a byte offset in the heap; sizes are elements. */
export interface ConvSimd {
  pad(x: number, xp: number, batch: number, h: number, w: number, c: number, ph: number, pw: number, top: number, left: number): void;
  unpad(xp: number, x: number, batch: number, s: number, c: number, p: number): void;
  /** relu ≠ 0: the whole layer (y, H, T); else the pre-activations into h and t, for `combine`. */
  forward(
    xp: number,
    u: number,
    bias: number,
    y: number,
    h: number,
    t: number,
    batch: number,
    s: number,
    c: number,
    tb: number,
    v: number,
    m: number,
    scratch: number,
    relu: number,
  ): void;
  combine(h: number, t: number, xp: number, y: number, batch: number, s: number, c: number, p: number, act: number): void;
  /** n % 8 = 0; relu ≠ 0: y = relu(conv + bias). */
  convForward(
    xp: number,
    u: number,
    bias: number,
    y: number,
    batch: number,
    s: number,
    c: number,
    n: number,
    tb: number,
    v: number,
    m: number,
    relu: number,
  ): void;
  backward(
    xp: number,
    dA: number,
    ut: number,
    dU: number,
    dxp: number,
    batch: number,
    s: number,
    c: number,
    n: number,
    tb: number,
    v: number,
    m: number,
    wantDw: number,
    wantDx: number,
  ): void;
  highwayBackward(dy: number, h: number, t: number, xp: number, dA: number, dxp: number, dbias: number, batch: number, s: number, c: number, act: number): void;
  filterGrad(
    xp: number,
    dy: number,
    dw: number,
    batch: number,
    ph: number,
    pw: number,
    cin: number,
    oh: number,
    ow: number,
    cout: number,
    k: number,
    rowsPad: number,
  ): void;
  sumRows(m: number, out: number, rows: number, cols: number): void;
  /** U = G w Gᵀ of w [3, 3, c, k] into columns first… of U [36][c][n]; k % 4 = 0. */
  weightsToU(w: number, u: number, c: number, k: number, n: number, first: number): void;
  /** dW = Gᵀ dU G into w [3, 3, c, k] from columns first… of dU [36][c][n]. */
  uToWeights(u: number, w: number, c: number, k: number, n: number, first: number): void;
  transposePlanes(from: number, to: number, planes: number, rows: number, cols: number): void;
  /** A BiLSTM's recurrence: pre (columns direction, gate, unit), z [rows, T, 4w], masks, h, c [rows, T, w], R [w, 4w]; w % 4 = 0. */
  lstmForward(pre: number, masks: number, r: number, z: number, h: number, c: number, rows: number, steps: number, w: number): void;
  /** Its gradient: dpre (as pre), dR [w, 4w]; rt = Rᵀ [4w, w]; dz [rows, T, 4w], gh, gc [rows, w] scratch. */
  lstmBackward(
    dH: number,
    z: number,
    c: number,
    h: number,
    masks: number,
    rt: number,
    dz: number,
    dpre: number,
    dR: number,
    gh: number,
    gc: number,
    rows: number,
    steps: number,
    w: number,
  ): void;
  maxPoolGrad(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    k: number,
    stride: number,
    padTop: number,
    padLeft: number,
  ): void;
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
