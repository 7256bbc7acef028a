/**
 * A registered kernel of the current backend called directly, without the engine's per-op
 * bookkeeping (scopes, profiler, tape): ≈10–15 µs saved per call, which is most of a small op's
 * cost. Only for work whose gradient is written by hand — inside a custom gradient's forward or
 * backward function, where nothing is recorded anyway. The outputs are ordinary tensors of the
 * current scope. null when the backend has no such kernel (the caller then uses ops).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelAttrs, KernelInputs, KernelName, KernelOutputs } from './kernel-contract.js';

type Input = tf.Tensor | tf.TensorInfo;

let calls = 0;
/** Kernels called this way so far (the benchmark's kernels-per-step count adds them). */
export const directKernelCalls = (): number => calls;

/** Whether the current backend provides kernel `name` of the contract (kernel-contract.ts). */
export const hasKernel = (name: KernelName): boolean => tf.getKernel(name, tf.getBackend()) !== undefined;

/** A kernel of the contract (kernel-contract.ts), typed by it. */
export const callKernel = <K extends KernelName>(name: K, inputs: KernelInputs<K, Input>, attrs: KernelAttrs<K>): KernelOutputs<K, tf.Tensor> | null =>
  callTfKernel(name, inputs, attrs) as KernelOutputs<K, tf.Tensor> | null;

/** Any kernel by name, e.g. TF.js's own BatchMatMul; `shapes` gives the outputs other shapes (a reshape for free). */
export function callTfKernel(name: string, inputs: Record<string, Input>, attrs: object = {}, shapes?: number[][]): tf.Tensor[] | null {
  const kernel = tf.getKernel(name, tf.getBackend());
  if (!kernel) return null;
  calls++;
  const out = kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend: tf.backend(), attrs: attrs as tf.NamedAttrMap });
  const infos = Array.isArray(out) ? out : [out];
  return infos.map((info, i) => tf.engine().makeTensorFromTensorInfo(shapes?.[i] ? { ...info, shape: shapes[i]! } : info));
}

/** A 2-D tensor as the batched (3-D) operand batch-matmul kernels take: the same memory, a leading 1. */
export const batched = (t: tf.Tensor): tf.TensorInfo => ({ dataId: t.dataId, shape: [1, ...t.shape], dtype: t.dtype });

/**
 * Whether a gradient is being recorded (inside tf.grad / variableGrads): only then does a custom
 * op's forward pass need to keep what its backward pass reads.
 */
export const recording = (): boolean => tf.engine().state.gradientDepth > 0;
