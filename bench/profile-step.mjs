// Where one dense training step's time goes, on the wasm backend: every registered kernel is
// wrapped with a timer (engine and direct calls alike, keyed by kernel, transpose flags and
// shapes), and the step is split into forward, backward, optimiser and the rest. Times are this
// process's CPU time (process.cpuUsage, µs resolution), not wall clock, so that other tenants of
// a shared machine do not inflate them; each timer read costs ≈1 µs.
// Run after `npm run build`: node bench/profile-step.mjs [model=highway] [depth=50] [steps=20]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../dist/backend/index.js';
import { resolveConfig } from '../dist/config/index.js';
import { buildModel, logitsModel } from '../dist/model/index.js';
import { createOptimizer, crossEntropy } from '../dist/train/index.js';
import { oneHot } from '../dist/train/evaluate.js';
import { timeKernels } from './kernel-timer.mjs';

const [model = 'highway', depthArg = '50', stepsArg = '20'] = process.argv.slice(2);
const depth = Number(depthArg);
const steps = Number(stepsArg);
await initBackend(process.env.BACKEND ?? 'wasm');
const now = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

// every kernel timed, keyed by name, transpose flags and shapes
const { stats, start, stop } = timeKernels({
  clock: now,
  key: (name, args) => {
    const ins = Object.values(args.inputs)
      .filter(Boolean)
      .map((i) => `[${i.shape.join(',')}]`);
    const a = args.attrs ?? {};
    const flags = `${a.transposeA ? 'tA' : ''}${a.transposeB ? 'tB' : ''}${a.activation && a.activation !== 'linear' ? ` ${a.activation}` : ''}`;
    return `${name}${flags ? ` ${flags}` : ''} ${ins.join('·')}`;
  },
});

const cfg = resolveConfig(
  new Map([
    ['model.type', model],
    ['model.depth', depth],
  ]),
);
const net = logitsModel(buildModel(cfg.model, { inputShape: [784], numClasses: 10 }, 1));
const vars = net.trainableWeights.map((w) => w.read());
const opt = createOptimizer('sgd', 0.9);
const B = 128;
const x = Float32Array.from({ length: B * 784 }, () => Math.random());
const labels = Int32Array.from({ length: B }, () => Math.floor(Math.random() * 10));
const split = { tensors: 0, forward: 0, backward: 0, optimiser: 0, sync: 0, total: 0 };

function step(record) {
  const t0 = now();
  let t1 = 0;
  let t2 = 0;
  let t3 = 0;
  let t4 = 0;
  const value = tf.tidy(() => {
    const xt = tf.tensor(x, [B, 784]);
    const t = tf.tensor2d(oneHot(labels, 0, B, 10), [B, 10]);
    t1 = now();
    const { value, grads } = tf.variableGrads(() => {
      const loss = crossEntropy(net.apply(xt, { training: true }), t);
      t2 = now();
      return loss;
    }, vars);
    t3 = now();
    opt.step(vars, grads, 0.01);
    t4 = now();
    return value;
  });
  value.dataSync();
  value.dispose();
  const t5 = now();
  if (!record) return;
  split.tensors += t1 - t0;
  split.forward += t2 - t1;
  split.backward += t3 - t2;
  split.optimiser += t4 - t3;
  split.sync += t5 - t4;
  split.total += t5 - t0;
}

for (let i = 0; i < 10; i++) step(false);
// wall clock without the kernel timers
for (let i = 0; i < steps; i++) step(true);
const wall = Object.fromEntries(Object.entries(split).map(([k, v]) => [k, v / steps]));
for (const k of Object.keys(split)) split[k] = 0;
start();
for (let i = 0; i < steps; i++) step(true);
stop();
const timed = split.total / steps;

const rows = [...stats.entries()].map(([key, s]) => ({ key, ...s, ms: s.ms / steps, calls: s.calls / steps })).sort((a, b) => b.ms - a.ms);
const kernelMs = rows.reduce((a, r) => a + r.ms, 0);
const byName = new Map();
for (const r of rows) {
  const s = byName.get(r.name) ?? { calls: 0, ms: 0 };
  s.calls += r.calls;
  s.ms += r.ms;
  byName.set(r.name, s);
}
const f = (v) => v.toFixed(2).padStart(7);
console.log(`${model}-d${depth}, batch ${B}, ${steps} steps, backend ${tf.getBackend()}`);
console.log(
  `per step, CPU time, no kernel timers: ${Object.entries(wall)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(' · ')} ms`,
);
console.log(
  `with kernel timers (CPU time): ${timed.toFixed(2)} ms per step, of which kernels ${kernelMs.toFixed(2)} ms; the rest (engine, layers, JS) ${(timed - kernelMs).toFixed(2)} ms`,
);
console.log('\n| kernel | calls/step | ms/step | µs/call |\n| --- | --- | --- | --- |');
for (const [name, s] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms))
  console.log(`| ${name} | ${s.calls} | ${f(s.ms)} | ${((1000 * s.ms) / s.calls).toFixed(1)} |`);
console.log('\n| kernel, flags, input shapes | calls/step | ms/step | µs/call |\n| --- | --- | --- | --- |');
for (const r of rows.slice(0, 30)) console.log(`| ${r.key} | ${r.calls} | ${f(r.ms)} | ${((1000 * r.ms) / r.calls).toFixed(1)} |`);
