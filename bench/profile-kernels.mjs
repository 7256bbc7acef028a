// Where one training step's time goes, kernel by kernel, for any net `highway bench` times: every
// registered kernel of the backend is wrapped with a timer (outermost calls only, so a kernel
// that calls others is counted once, with them), engine and direct calls alike. Prints per kernel
// name: calls and ms per step, and its share of the step's wall time.
// Run after `npm run build`: node bench/profile-kernels.mjs [model=highway-conv] [depth=9] [steps=6] [batch]
import { initBackend } from '../dist/backend/index.js';
import { prepareNet } from '../dist/bench/measure.js';
import { familySetup } from '../dist/bench/nets.js';
import { timeKernels } from './kernel-timer.mjs';

const [model = 'highway-conv', depthArg = '9', stepsArg = '6', batchArg] = process.argv.slice(2);
const steps = Number(stepsArg);
await initBackend(process.env.BACKEND ?? 'wasm');

const { stats, start, stop } = timeKernels();

const batch = batchArg ? Number(batchArg) : familySetup(model).batchSize;
const net = prepareNet({ model, depth: Number(depthArg) }, batch);
net.time(3, 0);
start();
const t = net.time(steps, 0);
stop();
const total = t.samples.reduce((a, b) => a + b, 0) / steps;
const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
const inKernels = rows.reduce((a, [, s]) => a + s.ms, 0) / steps;
console.log(
  `${model} d${depthArg} batch ${batch}: ${total.toFixed(1)} ms/step (median ${t.msPerStep.toFixed(1)}), ${inKernels.toFixed(1)} ms in kernels, ${rows.reduce((a, [, s]) => a + s.calls, 0) / steps} kernel calls/step`,
);
console.log('| kernel | calls/step | ms/step | share |');
console.log('| --- | --- | --- | --- |');
for (const [name, s] of rows) {
  if (s.ms / steps < 0.1) continue;
  console.log(`| ${name} | ${(s.calls / steps).toFixed(0)} | ${(s.ms / steps).toFixed(1)} | ${((100 * s.ms) / steps / total).toFixed(1)}% |`);
}
console.log(`| (outside kernels) | | ${(total - inKernels).toFixed(1)} | ${((100 * (total - inKernels)) / total).toFixed(1)}% |`);
net.dispose();
