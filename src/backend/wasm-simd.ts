/**
 * The SIMD module (simd/highway.wat) on the live wasm backend: its functions, and byte offsets of
 * tensors in the heap they share. null on other backends, with the fast paths off, when the module
 * did not load, or when SIMD is switched off (tests and benchmarks compare it with the JS loops).
 */
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, type WasmBackend } from './internals.js';
import { fastPathsOn } from './memory.js';
import { loadHighwaySimd, type HighwaySimd } from './simd/highway-simd.js';

export interface WasmSimd {
  kernels: HighwaySimd;
  /** A new float32 tensor's storage (an output of a kernel, or a buffer that `free` releases). */
  alloc(shape: number[]): tf.TensorInfo;
  free(t: tf.TensorInfo): void;
  /** Its float32 values where they lie (valid until the next allocation may grow the heap). */
  view(t: tf.TensorInfo): Float32Array;
  /** The tensor's byte offset in the heap; with `sole`, null if another tensor shares its storage. */
  ptr(t: tf.TensorInfo, sole?: boolean): number | null;
}

let loaded: HighwaySimd | null | undefined;
let allowed = true;
let fused = true;
let bound: { backend: object; simd: WasmSimd } | null = null;

/** Use the SIMD module where it loads (default), or the JS loops. */
export function allowSimd(on: boolean): void {
  allowed = on;
}

/** Products with fused multiply-adds where the engine allows (default), or not: the modules load again. */
export function allowFusedProducts(on: boolean): void {
  if (on === fused) return;
  fused = on;
  loaded = undefined;
  bound = null;
}

export function wasmSimd(): WasmSimd | null {
  if (!allowed || !fastPathsOn() || tf.getBackend() !== 'wasm') return null;
  const b = asWasm(tf.backend());
  if (loaded === undefined) loaded = loadHighwaySimd(b.wasm.asm.memory, fused);
  if (!loaded) return null;
  if (bound?.backend !== b) bound = { backend: b, simd: bind(b, loaded) };
  return bound.simd;
}

function bind(b: WasmBackend, kernels: HighwaySimd): WasmSimd {
  return {
    kernels,
    alloc: (shape) => b.makeOutput(shape, 'float32'),
    free: (t) => {
      b.disposeData(t.dataId);
    },
    view: (t) => b.typedArrayFromHeap(t),
    ptr: (t, sole = false) => {
      const info = b.dataIdMap.get(t.dataId);
      return !info || (sole && info.refCount !== 1) ? null : info.memoryOffset;
    },
  };
}

/** Whether the wasm fast paths run the SIMD module now. */
export const simdActive = (): boolean => wasmSimd() !== null;
