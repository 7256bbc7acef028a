/**
 * Choose and initialise the TF.js backend: `tensorflow` (tfjs-node, native) if it loads, else
 * `wasm`, else the pure-JS `cpu`. Only core and the backends are imported, never the
 * `@tensorflow/tfjs` bundle, so no "install our node backend" banner is printed.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { UserError } from '../errors.js';
import type { BackendName } from '../config/schema.js';
import { installCpuKernelFixes, installWasmKernelFixes } from './kernel-fixes.js';
import { fastPathsFromEnvironment, setFastPaths } from './fast-paths.js';
import { asCpu } from './internals.js';

export type ActiveBackend = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** What runs. */
  name: ActiveBackend;
  /** What was asked for. */
  requested: BackendName;
  /** Why a faster backend was skipped under `auto` (empty when none was). */
  notes: string[];
  tfjsVersion: string;
}

const TFJS_NODE_HINT =
  'install it with `npm install @tensorflow/tfjs-node@4.22.0` on a machine whose network reaches ' +
  'TensorFlow\'s binary downloads (its install script fetches libtensorflow); see README, "Native backend"';

async function tryTensorflow(): Promise<string | null> {
  try {
    await import('@tensorflow/tfjs-node' as string);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return 'tfjs-node is not installed';
    return `tfjs-node failed to load (${(e as Error).message.split('\n')[0]})`;
  }
  return (await tf.setBackend('tensorflow')) ? null : 'tfjs-node loaded but its backend failed to initialise';
}

/**
 * The wasm module (Emscripten) installs process handlers that rethrow any uncaught error from
 * inside a handler, which makes Node exit with code 7 instead of printing the error and exiting 1:
 * remove the handlers it added, so a bug exits 1 on every backend.
 */
async function withoutEmscriptenHandlers<T>(load: () => Promise<T>): Promise<T> {
  const proc = process as unknown as NodeJS.EventEmitter;
  const events = ['uncaughtException', 'unhandledRejection'];
  const before = events.map((ev) => new Set(proc.listeners(ev)));
  try {
    return await load();
  } finally {
    events.forEach((ev, i) => {
      for (const l of proc.listeners(ev)) if (!before[i]!.has(l)) proc.off(ev, l as (...args: unknown[]) => void);
    });
  }
}

async function tryWasm(): Promise<string | null> {
  try {
    await withoutEmscriptenHandlers(() => import('@tensorflow/tfjs-backend-wasm'));
  } catch (e) {
    return `wasm backend not available (${(e as Error).message.split('\n')[0]})`;
  }
  installWasmKernelFixes();
  return (await withoutEmscriptenHandlers(() => tf.setBackend('wasm'))) ? null : 'wasm backend failed to initialise';
}

/**
 * The cpu backend prints an "install our node backend" banner on its first write; we choose
 * backends deliberately and say which one runs, so mark it as already used.
 */
async function useCpu(): Promise<void> {
  installCpuKernelFixes();
  await tf.setBackend('cpu');
  asCpu(tf.backend()).firstUse = false;
}

let active: BackendInfo | undefined;

/** Initialise the requested backend once per process; later calls must agree or are no-ops. */
export async function initBackend(requested: BackendName = 'auto'): Promise<BackendInfo> {
  if (active && (requested === 'auto' || requested === active.name)) return { ...active, requested };
  const notes: string[] = [];
  let name: ActiveBackend | undefined;
  if (requested === 'tensorflow') {
    const why = await tryTensorflow();
    if (why) throw new UserError(`backend "tensorflow" needs @tensorflow/tfjs-node: ${why}; ${TFJS_NODE_HINT}`);
    name = 'tensorflow';
  } else if (requested === 'wasm') {
    const why = await tryWasm();
    if (why) throw new UserError(`backend "wasm": ${why}`);
    name = 'wasm';
  } else if (requested === 'cpu') {
    await useCpu();
    name = 'cpu';
  } else {
    for (const [cand, attempt] of [
      ['tensorflow', tryTensorflow],
      ['wasm', tryWasm],
    ] as const) {
      const why = await attempt();
      if (!why) {
        name = cand;
        break;
      }
      notes.push(why);
    }
    if (!name) {
      await useCpu();
      name = 'cpu';
    }
  }
  await tf.ready();
  setFastPaths(fastPathsFromEnvironment());
  active = { name, requested, notes, tfjsVersion: tf.version_core };
  return active;
}

export function describeBackend(info: BackendInfo): string {
  const why = info.requested === 'auto' && info.notes.length > 0 ? ` (auto; ${info.notes[0]})` : '';
  return `backend: ${info.name}${why}, tfjs ${info.tfjsVersion}`;
}
