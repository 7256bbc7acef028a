/**
 * Registering the kernels of the layers' contract (layers/kernel-contract.ts), typed by it: an
 * implementation takes the kernel's inputs by name and its attributes and returns its outputs in
 * order, as the layers that call it expect.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelAttrs, KernelInputs, KernelName, KernelOutputs } from '../layers/kernel-contract.js';
import { addKernel } from './internals.js';

type Info = tf.TensorInfo;
export type KernelImpl<K extends KernelName> = (inputs: KernelInputs<K, Info>, attrs: KernelAttrs<K>, backend: tf.KernelBackend) => KernelOutputs<K, Info>;

/** Register `run` as kernel `name` of `backendName`, unless one is registered. */
export function provideKernel<K extends KernelName>(name: K, backendName: string, run: KernelImpl<K>): void {
  addKernel(
    name,
    backendName,
    ({ inputs, attrs, backend }) => run(inputs as KernelInputs<K, Info>, attrs as unknown as KernelAttrs<K>, backend as tf.KernelBackend) as Info[],
  );
}

export function withdrawKernels(names: readonly KernelName[], backendName: string): void {
  for (const name of names) if (tf.getKernel(name, backendName)) tf.unregisterKernel(name, backendName);
}
