import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../bench/pytorch_reference.py', import.meta.url));

/** Pythons to try: $HIGHWAY_PYTHON, then the one on PATH, then Debian's (where python3-torch installs). */
const CANDIDATES = [process.env.HIGHWAY_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));
let python: string | null = null;

/** Why PyTorch cannot be used here, or null when it can (and which python has it). */
export function pytorchUnavailable(): string | null {
  if (!existsSync(SCRIPT)) return `missing ${SCRIPT}`;
  for (const cand of CANDIDATES) {
    const r = spawnSync(cand, ['-c', 'import torch'], { encoding: 'utf8' });
    if (!r.error && r.status === 0) {
      python = cand;
      return null;
    }
  }
  return `no python that can import torch (tried ${CANDIDATES.join(', ')}; Debian: apt-get install python3-torch, or set HIGHWAY_PYTHON)`;
}

export interface TorchTiming {
  msPerStep: number;
  torch: string;
  threads: number;
  /** Parameters of PyTorch's net: equal to ours when both build the same network. */
  params: number;
}

/**
 * `net`: the peer's arguments that build the net (nets.ts, peerArgs); `fused`: the stronger peer
 * (H|T as one Linear(w, 2w) per highway layer, foreach SGD).
 */
export function timePytorch(net: string[], batchSize: number, steps: number, warmup: number, threads: number, fused = false): TorchTiming {
  const args = [
    SCRIPT,
    ...net,
    '--batch-size',
    String(batchSize),
    '--steps',
    String(steps),
    '--warmup',
    String(warmup),
    '--threads',
    String(threads),
    ...(fused ? ['--fused'] : []),
  ];
  if (python === null && pytorchUnavailable() !== null) throw new Error('PyTorch is not available');
  const r = spawnSync(python!, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pytorch_reference.py failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms_per_step: number; torch: string; threads: number; params: number };
  return { msPerStep: j.ms_per_step, torch: j.torch, threads: j.threads, params: j.params };
}
