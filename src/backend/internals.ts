/**
 * The private parts of TF.js this project relies on, declared in one place: the wasm and cpu
 * backends' storage (where a tensor's values lie, its reference count, making an output) and
 * replacing a registered kernel. None of it is public API; each was read from TF.js 4.22.0,
 * which package.json pins, so a TF.js upgrade audits this file (and the tests that exercise it:
 * wasm-kernels, wasm-embedding, fast-paths, highway-kernels).
 */
import * as tf from '@tensorflow/tfjs-core';

type Info = tf.TensorInfo;
export type KernelFunc = tf.KernelConfig['kernelFunc'];

/** What a tensor of tfjs-backend-wasm's BackendWasm holds: an id in the module and its place in the heap. */
interface WasmTensorData {
  id: number;
  memoryOffset: number;
  refCount: number;
}

/** tfjs-backend-wasm's BackendWasm, as far as it is used here. */
export interface WasmBackend extends tf.KernelBackend {
  /** A new tensor's storage in the heap (given `values`, filled with them). */
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): Info;
  typedArrayFromHeap(t: Info): Float32Array;
  incRef(dataId: tf.DataId): void;
  dataIdMap: { get(id: tf.DataId): WasmTensorData | undefined };
  wasm: {
    HEAPU8: Uint8Array;
    /** The module's WebAssembly.Memory: our SIMD modules are instantiated on it. */
    asm: { memory: object };
    tfjs: { disposeData(id: number): void; registerTensor(id: number, size: number, memoryOffset: number): void };
  };
}

/** tfjs-backend-cpu's MathBackendCPU, as far as it is used here. */
export interface CpuBackend extends tf.KernelBackend {
  data: { get(id: tf.DataId): { values?: unknown; refCount: number } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): Info;
  /** Set until its first write, which prints an "install our node backend" banner. */
  firstUse?: boolean;
}

/** The backend a kernel runs on, or the current one, as the wasm backend (only where it is one). */
export const asWasm = (backend: unknown): WasmBackend => backend as WasmBackend;
export const asCpu = (backend: unknown): CpuBackend => backend as CpuBackend;

/** The wasm backend's instance once it is registered (current or not), else null. */
export const wasmBackend = (): WasmBackend | null => (tf.findBackend('wasm') as WasmBackend | null) ?? null;

type ViewOf<V> = new (buffer: ArrayBuffer, offset: number, length: number) => V;

/** A typed view of `length` elements of a tensor where it lies in the wasm heap (valid until the heap next grows); null if the backend does not hold it. */
export function heapView<V>(b: WasmBackend, t: { dataId: tf.DataId }, View: ViewOf<V>, length: number): V | null {
  const at = b.dataIdMap.get(t.dataId)?.memoryOffset;
  return at === undefined ? null : new View(b.wasm.HEAPU8.buffer as ArrayBuffer, at, length);
}

/** A registered kernel run on TensorInfos, without the engine (the caller disposes of what it returns). */
export type RunKernel = (name: string, inputs: Record<string, Info> | Info[], attrs?: Record<string, unknown>) => Info;

/** Run `backendName`'s registered kernels on `backend` directly. */
export const kernelRunner =
  (backendName: string, backend: tf.KernelBackend): RunKernel =>
  (name, inputs, attrs = {}) =>
    tf.getKernel(name, backendName)!.kernelFunc({ inputs: inputs as unknown as tf.NamedTensorInfoMap, backend, attrs: attrs as tf.NamedAttrMap }) as Info;

/**
 * Wrap the kernel `name` of a backend: `wrap` gets the function it replaces (to hand on what it does
 * not cover). Returns the replaced kernel (restoreKernel puts it back), or null where there is none.
 */
export function replaceKernel(name: string, backendName: string, wrap: (original: KernelFunc) => KernelFunc): tf.KernelConfig | null {
  const k = tf.getKernel(name, backendName);
  if (!k) return null;
  tf.unregisterKernel(name, backendName);
  tf.registerKernel({ ...k, kernelFunc: wrap(k.kernelFunc) });
  return k;
}

/** Put back a kernel that replaceKernel replaced. */
export function restoreKernel(k: tf.KernelConfig): void {
  tf.unregisterKernel(k.kernelName, k.backendName);
  tf.registerKernel(k);
}

/** Register a kernel the backend lacks; false (and nothing changes) where it has one. */
export function addKernel(name: string, backendName: string, kernelFunc: KernelFunc): boolean {
  if (tf.getKernel(name, backendName)) return false;
  tf.registerKernel({ kernelName: name, backendName, kernelFunc });
  return true;
}
