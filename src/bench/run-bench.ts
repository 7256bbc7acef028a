/**
 * One row of `highway bench` per network: our training step's median time (fast paths on),
 * optionally the same step on the generic path (fast paths off) and PyTorch's, interleaved round by
 * round so that the machine's mood hits all of them alike; evaluation throughput; kernels per
 * step; tensors alive and leaked.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setFastPaths } from '../backend/fast-paths.js';
import { directKernelCalls } from '../layers/direct-kernel.js';
import { median, netName, prepareNet, type NetSpec } from './measure.js';
import { familySetup, peerArgs } from './nets.js';
import { trainingFlops } from './flops.js';
import { gemmGflops } from './peak.js';
import { timePytorch } from './pytorch.js';

export interface BenchOptions {
  /** Minibatch size; undefined: the family's default (nets.ts). */
  batch?: number;
  steps: number;
  warmup: number;
  rounds: number;
  vsPytorch: boolean;
  torchThreads: number;
  /** The stronger PyTorch peer: H|T as one Linear(w, 2w) per highway layer, foreach SGD. */
  torchFused?: boolean;
  /** Also time the generic path (plain TF.js ops) in the same rounds. */
  generic: boolean;
}

export interface BenchRow {
  net: string;
  params: number;
  batchSize: number;
  msPerStep: number;
  /** Mean CPU time of this process per timed step (see StepTiming). */
  cpuMsPerStep: number;
  samplesPerSecond: number;
  evalSamplesPerSecond: number;
  /** The same evaluation's throughput by CPU time. */
  evalCpuSamplesPerSecond: number;
  /** Kernels one training step runs: through the engine (tf.profile) and called directly by the layers. */
  kernels: { engine: number; direct: number };
  tensorsAlive: number;
  leaked: number;
  peakRssMB: number;
  /** The step's matmul and convolution arithmetic (flops.ts), averaged over the timed batches. */
  flopsPerStep: number;
  /** A large plain matmul's rate on this backend, measured in the same rounds (median). */
  gemmGflops: number;
  /** The arithmetic floor (flopsPerStep at gemmGflops) over the measured step time: 1 = at the floor. */
  floorShare: number;
  generic?: { msPerStep: number; kernels: { engine: number; direct: number }; speedup: number };
  torch?: { msPerStep: number; threads: number; fused: boolean; version: string; ratio: number; params: number };
}

async function kernelsPerStep(step: () => void): Promise<{ engine: number; direct: number }> {
  const before = directKernelCalls();
  const profile = await tf.profile(step);
  return { engine: profile.kernels.length, direct: directKernelCalls() - before };
}

export async function benchNet(n: NetSpec, o: BenchOptions): Promise<BenchRow> {
  const batch = o.batch ?? familySetup(n.model).batchSize;
  const net = prepareNet(n, batch);
  try {
    const evalPerSec = net.evalSamplesPerSecond();
    net.time(o.warmup, 0);
    const kernels = await kernelsPerStep(() => net.time(1, 0));
    let genericKernels = { engine: 0, direct: 0 };
    if (o.generic) {
      setFastPaths(false);
      net.time(o.warmup, 0);
      genericKernels = await kernelsPerStep(() => net.time(1, 0));
      setFastPaths(true);
    }
    const peer = peerArgs(n, net.cfg, net.batches);
    const flops =
      net.batches.reduce((f, b) => f + trainingFlops(net.cfg.model, b.y.length, familySetup(n.model).numClasses, b.shape[0]), 0) / net.batches.length;
    const peaks: number[] = [];
    const ours: number[] = [];
    let cpuMs = 0;
    const generic: number[] = [];
    const torch: number[] = [];
    let torchVersion = '';
    let tensors = 0;
    let leaked = 0;
    const per = Math.ceil(o.steps / o.rounds);
    for (let r = 0; r < o.rounds; r++) {
      const t = net.time(per, 1);
      ours.push(...t.samples);
      cpuMs += t.cpuMsPerStep / o.rounds;
      tensors = t.tensorsAlive;
      leaked += t.leaked;
      peaks.push(gemmGflops());
      if (o.generic) {
        setFastPaths(false);
        const g = net.time(per, 1);
        generic.push(...g.samples);
        leaked += g.leaked;
        setFastPaths(true);
      }
      if (o.vsPytorch) {
        const p = timePytorch(peer, batch, per, r === 0 ? o.warmup : 1, o.torchThreads, o.torchFused);
        // a ratio between two different networks would mean nothing
        if (p.params !== net.params) throw new Error(`${netName(n)}: PyTorch's net has ${p.params} parameters and ours ${net.params}; the two builds differ`);
        torch.push(p.msPerStep);
        torchVersion = p.torch;
      }
    }
    const ms = median(ours);
    return {
      net: netName(n),
      params: net.params,
      batchSize: batch,
      msPerStep: ms,
      cpuMsPerStep: cpuMs,
      samplesPerSecond: (batch * 1000) / ms,
      evalSamplesPerSecond: evalPerSec.wall,
      evalCpuSamplesPerSecond: evalPerSec.cpu,
      kernels,
      tensorsAlive: tensors,
      leaked,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      flopsPerStep: flops,
      gemmGflops: median(peaks),
      floorShare: flops / (median(peaks) * 1e6) / ms,
      ...(o.generic ? { generic: { msPerStep: median(generic), kernels: genericKernels, speedup: median(generic) / ms } } : {}),
      ...(o.vsPytorch
        ? {
            torch: {
              msPerStep: median(torch),
              threads: o.torchThreads,
              fused: Boolean(o.torchFused),
              version: torchVersion,
              ratio: ms / median(torch),
              params: net.params,
            },
          }
        : {}),
    };
  } finally {
    setFastPaths(true);
    net.dispose();
  }
}
