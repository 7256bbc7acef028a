// The conv nets' levers (bench/NOTES.md, issue 24) switched on one after another on the wasm
// backend, interleaved round by round, with the PyTorch peer (one thread) timed in the same rounds;
// kernels per step from tf.profile plus direct calls. The first level is the generic path: the
// highway conv layer as one op with its closed-form gradient in TF.js ops (XNNPACK convolutions,
// conv-gradients.ts's gradients), weight decay as ops.
// Run after `npm run build`: node bench/conv-levers.mjs [model=highway-conv] [rounds=5] [steps=6]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../dist/backend/index.js';
import { setFastPaths } from '../dist/backend/fast-paths.js';
import { registerConvKernels, unregisterConvKernels } from '../dist/backend/conv-kernels.js';
import { installConvFixes } from '../dist/backend/wasm-conv-fixes.js';
import { prepareNet } from '../dist/bench/measure.js';
import { familySetup, peerArgs } from '../dist/bench/nets.js';
import { timePytorch } from '../dist/bench/pytorch.js';
import { directKernelCalls } from '../dist/layers/direct-kernel.js';

const [model = 'highway-conv', roundsArg = '5', stepsArg = '6'] = process.argv.slice(2);
await initBackend('wasm');
const levels = [
  ['generic (fast paths off)', () => setFastPaths(false)],
  [
    '+ shared Identity, in-place optimiser and weight decay',
    () => {
      setFastPaths(true);
      unregisterConvKernels();
    },
  ],
  ['+ filter gradient, column sums, Winograd 3×3 convs', () => installConvFixes()],
  ['+ highway conv kernels (all on)', () => registerConvKernels()],
];
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const batch = familySetup(model).batchSize;
const net = prepareNet({ model, depth: 9 }, batch);
const times = levels.map(() => []);
const kernels = [];
const torch = [];
for (let r = 0; r < Number(roundsArg); r++) {
  for (let i = 0; i < levels.length; i++) {
    levels[i][1]();
    const t = net.time(Number(stepsArg), 1);
    times[i].push(t.msPerStep);
    if (t.leaked) console.log('LEAK', levels[i][0], t.leaked);
    if (r === 0) {
      const d0 = directKernelCalls();
      const p = await tf.profile(() => net.time(1, 0));
      kernels[i] = `${p.kernels.length + directKernelCalls() - d0} (${directKernelCalls() - d0} direct)`;
    }
  }
  torch.push(timePytorch(peerArgs({ model, depth: 9 }, net.cfg, net.batches), batch, Number(stepsArg), r === 0 ? 2 : 1, 1).msPerStep);
}
setFastPaths(true);
console.log(`${model}, batch ${batch}: PyTorch (1 thread) ${med(torch).toFixed(1)} ms`);
for (let i = 0; i < levels.length; i++)
  console.log(`  ${levels[i][0].padEnd(56)} ${med(times[i]).toFixed(1).padStart(7)} ms  ${(med(times[i]) / med(torch)).toFixed(2)}×  kernels ${kernels[i]}`);
net.dispose();
