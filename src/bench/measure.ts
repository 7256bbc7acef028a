/**
 * Time the trainer's own step (createTrainStep) and evaluation on random data shaped like the
 * net's family's (bench/nets.ts), for one network. Medians, not means: a slow outlier step does
 * not move the figure.
 */
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../config/index.js';
import { buildModel, countParams, logitsModel } from '../model/index.js';
import { createTrainStep, evaluate } from '../train/index.js';
import { Rng } from '../util/random.js';
import { familySetup, netConfig, netName, type NetSpec } from './nets.js';

export { netName, type NetSpec };

export interface StepTiming {
  msPerStep: number;
  /**
   * This process's CPU time per step (mean over the timed steps; V8's helper threads included):
   * unlike wall time, other tenants of a shared machine barely move it.
   */
  cpuMsPerStep: number;
  tensorsAlive: number;
  /** Tensors created and not released across the timed steps (must be 0). */
  leaked: number;
}

export interface NetBench extends StepTiming {
  net: string;
  params: number;
  samplesPerSecond: number;
  evalSamplesPerSecond: number;
  peakRssMB: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A network and its train step, ready to be timed in rounds. */
export function prepareNet(n: NetSpec, batchSize: number) {
  const setup = familySetup(n.model);
  const cfg = resolveConfig(netConfig(n) as Map<string, never>);
  const data = { inputShape: setup.inputShape, numClasses: setup.numClasses, ...(setup.vocabSize ? { vocabSize: setup.vocabSize } : {}) };
  const model = buildModel(cfg.model, data, 1);
  const logits = logitsModel(model);
  const step = createTrainStep(logits, setup.train, setup.inputShape, setup.numClasses);
  const rng = new Rng(1);
  const batches = Array.from({ length: 4 }, () => setup.batch(rng, batchSize));
  let i = 0;
  const oneStep = () => {
    const b = batches[i++ % batches.length]!;
    const loss = step.step(b.x, b.y, 0.01, [...b.shape]);
    loss.dataSync(); // wait for the step to finish (matters on async backends)
    loss.dispose();
  };
  return {
    params: countParams(model),
    cfg,
    batches,
    /** Run `warmup` untimed steps then `steps` timed ones. */
    time(steps: number, warmup: number): StepTiming & { samples: number[] } {
      for (let k = 0; k < warmup; k++) oneStep();
      const before = tf.memory().numTensors;
      const samples: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let k = 0; k < steps; k++) {
        const t0 = performance.now();
        oneStep();
        samples.push(performance.now() - t0);
      }
      const cpu = process.cpuUsage(cpu0);
      const after = tf.memory().numTensors;
      return { msPerStep: median(samples), cpuMsPerStep: (cpu.user + cpu.system) / 1000 / steps, samples, tensorsAlive: after, leaked: after - before };
    },
    /** Full-set evaluation throughput (samples/s; batches of 2000, token data in length order as the trainer evaluates it), by wall clock and by this process's CPU time. */
    evalSamplesPerSecond(): { wall: number; cpu: number } {
      const text = setup.vocabSize !== undefined;
      const split = evalSplit(rng, setup.evalExamples, setup, batchSize);
      const run = (s: typeof split) => evaluate(logits, s, setup.inputShape, setup.numClasses, 2000, { sequences: text });
      run({ ...split, n: 100, x: split.x.subarray(0, (100 * split.x.length) / split.n), y: split.y.subarray(0, 100) }); // warm-up
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      run(split);
      const cpu = process.cpuUsage(cpu0);
      return { wall: split.n / ((performance.now() - t0) / 1000), cpu: split.n / ((cpu.user + cpu.system) / 1e6) };
    },
    dispose() {
      step.dispose();
      model.dispose();
    },
  };
}

/** n examples as the dataset holds them: token rows padded to the longest length the net is built for. */
function evalSplit(rng: Rng, n: number, setup: ReturnType<typeof familySetup>, batchSize: number) {
  const rows = setup.inputShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * rows);
  const y = new Int32Array(n);
  for (let from = 0; from < n; from += batchSize) {
    const b = setup.batch(rng, Math.min(batchSize, n - from));
    const width = b.shape.reduce((a, c) => a * c, 1);
    for (let r = 0; r < b.y.length; r++) x.set(b.x.subarray(r * width, (r + 1) * width), (from + r) * rows);
    y.set(b.y, from);
  }
  return { x, y, n };
}

export { median };
