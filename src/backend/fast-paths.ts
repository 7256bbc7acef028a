/**
 * The fast paths, on or off together: in-place optimiser updates (train/optimizers.ts), the
 * fused highway kernels (highway-kernels.ts) and, on wasm, clones that share memory
 * (wasm-identity.ts) and the conv and recurrent nets' SIMD kernels (conv-kernels.ts, lstm-kernels.ts). Off, everything runs as plain TF.js ops — the reference the tests compare
 * the fast paths with (`HIGHWAY_FAST_PATHS=0` in the environment turns them off for a whole run).
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerConvKernels, unregisterConvKernels } from './conv-kernels.js';
import { registerHighwayKernels, unregisterHighwayKernels } from './highway-kernels.js';
import { registerLstmKernels, unregisterLstmKernels } from './lstm-kernels.js';
import { setFastPathFlag } from './memory.js';
import { installSharedIdentity, uninstallSharedIdentity } from './wasm-identity.js';

export function setFastPaths(on: boolean): void {
  setFastPathFlag(on);
  for (const backend of ['cpu', 'wasm'] as const) {
    if (!tf.findBackendFactory(backend)) continue;
    if (on) registerHighwayKernels(backend);
    else unregisterHighwayKernels(backend);
  }
  if (tf.findBackendFactory('wasm')) {
    if (on) installSharedIdentity();
    else uninstallSharedIdentity();
    if (on) registerConvKernels();
    else unregisterConvKernels();
    if (on) registerLstmKernels();
    else unregisterLstmKernels();
  }
}

export const fastPathsFromEnvironment = (): boolean => process.env.HIGHWAY_FAST_PATHS !== '0';
