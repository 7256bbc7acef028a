/**
 * Finding and instantiating the build's SIMD modules (*.wasm beside this file, or the build's copy
 * when running from sources), shared by highway-simd.ts and conv-simd.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

/** The few WebAssembly APIs used here (the ES2022 lib this project compiles against does not declare them). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The path of `<name>.wasm`, or null when the build has not written it. */
export function wasmFile(name: string): string | null {
  // beside the compiled module; when running from sources (tests), the build's copy
  for (const url of [new URL(`./${name}.wasm`, import.meta.url), new URL(`../../../dist/backend/simd/${name}.wasm`, import.meta.url)]) {
    const path = fileURLToPath(url);
    if (existsSync(path)) return path;
  }
  return null;
}

/**
 * The bytes of `<name>-fma.wasm` (fused multiply-adds, relaxed SIMD) if this engine runs them —
 * Node 22 and later do by default, Node 20 behind a V8 flag switched on here — else null; also
 * null with HIGHWAY_WASM_FMA=0 in the environment.
 */
export function fusedModuleBytes(name: string): Uint8Array | null {
  const file = process.env.HIGHWAY_WASM_FMA === '0' ? null : wasmFile(`${name}-fma`);
  if (!file) return null;
  const bytes = readFileSync(file);
  if (wasmApi.validate(bytes)) return bytes;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return wasmApi.validate(bytes) ? bytes : null;
}
