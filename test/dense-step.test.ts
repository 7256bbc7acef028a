/**
 * The engine-free training step of dense stacks (src/train/dense-step.ts) against the generic path
 * (fast paths off: plain TF.js ops and their autodiff, an independent computation), and which
 * models take it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setFastPaths } from '../src/backend/fast-paths.js';
import { simdActive } from '../src/backend/wasm-simd.js';
import { resolveConfig } from '../src/config/index.js';
import { buildModel, logitsModel } from '../src/model/index.js';
import { createTrainStep, evaluate } from '../src/train/index.js';
import { planDenseStack } from '../src/train/dense-stack.js';
import { Rng } from '../src/util/random.js';
import { maxRelErr } from './helpers/reference.js';
import { prepareNet } from '../src/bench/measure.js';
import { directKernelCalls } from '../src/layers/direct-kernel.js';

afterEach(() => {
  setFastPaths(true);
});

const IN = 20;
const CLASSES = 10;

function model(settings: Record<string, unknown>) {
  const cfg = resolveConfig(new Map<string, unknown>(Object.entries({ 'model.depth': 5, 'model.width': 13, ...settings })));
  return buildModel(cfg.model, { inputShape: [IN], numClasses: CLASSES }, 3);
}

type Options = { optimizer: 'sgd' | 'nesterov' | 'adam'; clipNorm: number | null; weightDecay?: number };

/** Every weight after four steps (batches of 37, 37, 5, 37), with the fast paths on or off. */
function trainedWeights(settings: Record<string, unknown>, o: Options, fast: boolean): number[][] {
  setFastPaths(fast);
  const m = model(settings);
  const logits = logitsModel(m);
  const step = createTrainStep(logits, { momentum: 0.9, ...o }, [IN], CLASSES);
  const rng = new Rng(5);
  for (const b of [37, 37, 5, 37]) {
    const x = Float32Array.from({ length: b * IN }, () => rng.next() * 2 - 1);
    const y = Int32Array.from({ length: b }, () => rng.int(CLASSES));
    step.step(x, y, 0.05).dispose();
  }
  const w = logits.trainableWeights.map((v) => Array.from(v.read().dataSync()));
  step.dispose();
  m.dispose();
  return w;
}

describe.runIf(tf.getBackend() === 'wasm')('the engine-free dense step equals the generic path', () => {
  const cases: Array<[Record<string, unknown>, Options]> = [
    [{ 'model.type': 'highway' }, { optimizer: 'sgd', clipNorm: null }],
    [
      { 'model.type': 'highway', 'model.activation': 'tanh' },
      { optimizer: 'nesterov', clipNorm: 0.5 },
    ],
    [
      { 'model.type': 'highway', 'model.activation': 'elu' },
      { optimizer: 'adam', clipNorm: null, weightDecay: 0.01 },
    ],
    [
      { 'model.type': 'highway', 'model.activation': 'sigmoid' },
      { optimizer: 'sgd', clipNorm: null },
    ],
    [{ 'model.type': 'plain' }, { optimizer: 'nesterov', clipNorm: null }],
    [
      { 'model.type': 'plain', 'model.activation': 'tanh' },
      { optimizer: 'sgd', clipNorm: 1, weightDecay: 0.001 },
    ],
  ];
  for (const [settings, o] of cases) {
    it(`${JSON.stringify(settings)} ${JSON.stringify(o)}: every weight after four steps`, () => {
      const fast = trainedWeights(settings, o, true);
      const generic = trainedWeights(settings, o, false);
      fast.forEach((w, k) => {
        expect(maxRelErr(w, generic[k]!), `weight ${k}`).toBeLessThan(2e-5);
      });
    });
  }

  it('runs no engine kernel, creates only the loss, and leaks nothing', async () => {
    const m = model({ 'model.type': 'highway' });
    const step = createTrainStep(logitsModel(m), { optimizer: 'sgd', momentum: 0.9, clipNorm: null }, [IN], CLASSES);
    const x = new Float32Array(16 * IN).fill(0.5);
    const y = new Int32Array(16).fill(3);
    step.step(x, y, 0.1).dispose(); // buffers and gradient tensors are made on the first step
    expect(simdActive()).toBe(true);
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      step.step(x, y, 0.1).dispose();
    });
    expect(profile.kernels).toHaveLength(0);
    expect(profile.newTensors).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    step.dispose();
    m.dispose();
  });
});

describe('which models take the engine-free step', () => {
  const planned = (settings: Record<string, unknown>) => {
    const m = model(settings);
    const plan = planDenseStack(logitsModel(m), [IN], CLASSES);
    m.dispose();
    return plan?.map((l) => l.kind).join(',') ?? null;
  };
  it('plain and coupled highway stacks, layer by layer', () => {
    expect(planned({ 'model.type': 'highway' })).toBe('dense,highway,highway,highway,highway,dense');
    expect(planned({ 'model.type': 'plain' })).toBe('dense,dense,dense,dense,dense,dense');
  });
  it('images (MNIST as 28×28×1) flattened first', () => {
    const m = buildModel(resolveConfig(new Map<string, unknown>([['model.depth', 3]])).model, { inputShape: [4, 5, 1], numClasses: CLASSES }, 3);
    expect(planDenseStack(logitsModel(m), [4, 5, 1], CLASSES)?.map((l) => l.kind)).toEqual(['dense', 'highway', 'highway', 'dense']);
    m.dispose();
  });
  it('not residual blocks, input dropout or the independent carry', () => {
    expect(planned({ 'model.type': 'residual' })).toBeNull();
    expect(planned({ 'model.type': 'highway', 'model.inputDropout': 0.2 })).toBeNull();
    expect(planned({ 'model.type': 'highway', 'model.carry': 'independent' })).toBeNull();
  });
});

describe.runIf(tf.getBackend() === 'wasm')('the engine-free evaluation of dense stacks equals the generic path', () => {
  for (const settings of [
    { 'model.type': 'highway' },
    { 'model.type': 'plain', 'model.activation': 'tanh' },
    { 'model.type': 'highway', 'model.activation': 'elu' },
  ]) {
    it(`${JSON.stringify(settings)}: loss and accuracy over 1,003 examples in batches of 250`, () => {
      const m = model(settings);
      const logits = logitsModel(m);
      const rng = new Rng(9);
      const n = 1003;
      const split = { x: Float32Array.from({ length: n * IN }, () => rng.next() * 4 - 2), y: Int32Array.from({ length: n }, () => rng.int(CLASSES)), n };
      const before = tf.memory().numTensors;
      const fast = evaluate(logits, split, [IN], CLASSES, 250);
      expect(tf.memory().numTensors).toBe(before);
      // the generic path (plain TF.js ops) for the logits, float64 sums written out here
      setFastPaths(false);
      const z = tf.tidy(() => (logits.apply(tf.tensor2d(split.x, [n, IN])) as tf.Tensor).arraySync() as number[][]);
      setFastPaths(true);
      let loss = 0;
      let correct = 0;
      z.forEach((row, i) => {
        const max = Math.max(...row);
        loss += max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) - row[split.y[i]!]!;
        if (row.indexOf(max) === split.y[i]) correct++;
      });
      expect(Math.abs(fast.loss - loss / n)).toBeLessThan(1e-5);
      // a near-tie between two logits may fall either way at float32 precision
      expect(Math.abs(fast.accuracy - correct / n)).toBeLessThanOrEqual(2 / n);
      expect(fast.accuracy).toBeGreaterThan(0);
      m.dispose();
    });
  }
});

describe.runIf(tf.getBackend() === 'wasm')('highway bench times the step the trainer takes', () => {
  it("the bench's plain and highway nets step without a single engine kernel (it passes a copy of the input shape)", async () => {
    for (const kind of ['plain', 'highway'] as const) {
      const net = prepareNet({ model: kind, depth: 3 }, 16);
      net.time(1, 0);
      const direct = directKernelCalls();
      const profile = await tf.profile(() => net.time(1, 0));
      expect(profile.kernels.length + directKernelCalls() - direct, kind).toBe(0);
      net.dispose();
    }
  });
});
