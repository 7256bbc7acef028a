/**
 * Time the trainer's own step (createTrainStep) and evaluation on MNIST-shaped random data,
 * for one network. Medians, not means: a slow outlier step does not move the figure.
 */
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../config/index.js';
import type { ModelType } from '../config/schema.js';
import { buildModel, countParams, logitsModel } from '../model/index.js';
import { createTrainStep, evaluate } from '../train/index.js';
import { Rng } from '../util/random.js';

export interface NetSpec {
  model: ModelType;
  depth: number;
}

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

export function netName(n: NetSpec): string {
  return `${n.model}-d${n.depth}`;
}

/** A network and its train step, ready to be timed in rounds. */
export function prepareNet(n: NetSpec, batchSize: number) {
  const cfg = resolveConfig(
    new Map<string, unknown>([
      ['model.type', n.model],
      ['model.depth', n.depth],
    ]),
  );
  const model = buildModel(cfg.model, { inputShape: [784], numClasses: 10 }, 1);
  const logits = logitsModel(model);
  const step = createTrainStep(logits, { optimizer: 'sgd', momentum: 0.9, clipNorm: null }, [784], 10);
  const rng = new Rng(1);
  const batches = Array.from({ length: 4 }, () => ({
    x: Float32Array.from({ length: batchSize * 784 }, () => rng.next()),
    y: Int32Array.from({ length: batchSize }, () => rng.int(10)),
  }));
  let i = 0;
  const oneStep = () => {
    const b = batches[i++ % batches.length]!;
    const loss = step.step(b.x, b.y, 0.01);
    loss.dataSync(); // wait for the step to finish (matters on async backends)
    loss.dispose();
  };
  return {
    params: countParams(model),
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
    /** Full-set evaluation throughput (samples/s), by wall clock and by this process's CPU time. */
    evalSamplesPerSecond(n = 4000): { wall: number; cpu: number } {
      const split = { x: Float32Array.from({ length: n * 784 }, () => rng.next()), y: Int32Array.from({ length: n }, () => rng.int(10)), n };
      evaluate(logits, { ...split, n: 500, x: split.x.subarray(0, 500 * 784), y: split.y.subarray(0, 500) }, [784], 10, 2000); // warm-up
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      evaluate(logits, split, [784], 10, 2000);
      const cpu = process.cpuUsage(cpu0);
      return { wall: n / ((performance.now() - t0) / 1000), cpu: n / ((cpu.user + cpu.system) / 1e6) };
    },
    dispose() {
      step.dispose();
      model.dispose();
    },
  };
}

export { median };
