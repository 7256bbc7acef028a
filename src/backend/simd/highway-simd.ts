/**
 * The SIMD module (highway.wat: a highway layer's elementwise parts and weight shuffles, the
 * optimisers' updates; compiled by the build to highway.wasm beside this file), instantiated on tfjs-backend-wasm's own memory so that they read and write tensors in place.
 * null when the module is missing or cannot run here: the callers then use their JS loops.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The few WebAssembly APIs used here (the ES2022 lib this project compiles against does not declare them). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface HighwaySimd {
  combine(t: number, h: number, x: number, y: number, n: number): void;
  backward(
    t: number,
    h: number,
    x: number,
    dy: number,
    dA: number,
    dxCarry: number,
    dbh: number,
    dbt: number,
    batch: number,
    n: number,
    activation: number,
  ): void;
  transpose(from: number, to: number, rows: number, cols: number): void;
  pack(wh: number, wt: number, out: number, n: number): void;
  split(m: number, left: number, right: number, rows: number, half: number): void;
  sgd(w: number, v: number, g: number, n: number, lr: number, mu: number, nesterov: number): void;
  adam(w: number, m: number, s: number, g: number, n: number, lr: number, beta1: number, beta2: number, mScale: number, sScale: number, eps: number): void;
}

/** Activation codes the module's `backward` takes. */
export const ACTIVATION_CODE: Record<string, number> = { relu: 0, tanh: 1, sigmoid: 2, elu: 3, linear: 4 };

function wasmFile(): string | null {
  // beside the compiled module; when running from sources (tests), the build's copy
  for (const url of [new URL('./highway.wasm', import.meta.url), new URL('../../../dist/backend/simd/highway.wasm', import.meta.url)]) {
    const path = fileURLToPath(url);
    if (existsSync(path)) return path;
  }
  return null;
}

/** `memory`: the WebAssembly.Memory of tfjs-backend-wasm's module. */
export function loadHighwaySimd(memory: object): HighwaySimd | null {
  const file = wasmFile();
  if (!file) return null;
  try {
    const instance = new wasmApi.Instance(new wasmApi.Module(readFileSync(file)), { env: { memory } });
    return instance.exports as unknown as HighwaySimd;
  } catch {
    return null;
  }
}
