/**
 * The conv SIMD module (simd/conv.wat) bound to the live wasm backend: its functions, new float32
 * tensors in the heap they share, byte offsets, views, and temporaries released after a kernel.
 * Used by the conv kernels (conv-kernels.ts, wasm-conv-fixes.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, wasmBackend, type WasmBackend } from './internals.js';
import { loadConvSimd, type ConvSimd } from './simd/conv-simd.js';

type Info = tf.TensorInfo;

let loaded: { backend: object; conv: ConvSimd | null } | null = null;
let fused = true;

/** The module's products with fused multiply-adds where the engine runs them (default), or not: it loads again. */
export function allowConvFma(on: boolean): void {
  if (on === fused) return;
  fused = on;
  loaded = null;
}

/** The conv module on this wasm backend's memory (loaded once per backend instance), or null where it cannot load. */
export function convModuleOn(backend: WasmBackend): ConvSimd | null {
  if (loaded?.backend !== backend) loaded = { backend, conv: loadConvSimd(backend.wasm.asm.memory, fused) };
  return loaded.conv;
}

export interface ConvWasm {
  conv: ConvSimd;
  backend: WasmBackend;
  /** A new float32 tensor's storage: a kernel's output. */
  alloc(shape: number[]): Info;
  /** The tensor's byte offset in the heap. */
  ptr(t: Info): number;
  /** A float32 view of the tensor (valid until the next allocation). */
  view(t: Info): Float32Array;
  /** Temporaries of one kernel call: `release` frees them all. */
  scratch(): { alloc(shape: number[]): Info; release(): void };
}

/** Whether the module loads on the wasm backend (current or not): its kernels are registered only then. */
export function convModuleLoads(): boolean {
  const wasm = wasmBackend();
  return wasm !== null && convModuleOn(wasm) !== null;
}

/** The module for `kernel`, one of those registered only where it loads: its absence is a bug. */
export function convWasmFor(kernel: string): ConvWasm {
  const k = convWasm();
  if (!k) throw new Error(`${kernel}: the conv SIMD module is not loaded on the wasm backend`);
  return k;
}

/** The module on the current backend, or null (another backend, or the module did not load). */
export function convWasm(): ConvWasm | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = asWasm(tf.backend());
  const conv = convModuleOn(backend);
  if (!conv) return null;
  const alloc = (shape: number[]): Info => backend.makeOutput(shape, 'float32');
  const ptr = (t: Info): number => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  return {
    conv,
    backend,
    alloc,
    ptr,
    view: (t) =>
      new Float32Array(
        backend.wasm.HEAPU8.buffer,
        ptr(t),
        t.shape.reduce((a, b) => a * b, 1),
      ),
    scratch() {
      const temps: Info[] = [];
      return {
        alloc(shape) {
          const t = alloc(shape);
          temps.push(t);
          return t;
        },
        release() {
          for (const t of temps) backend.disposeData(t.dataId);
        },
      };
    },
  };
}
