// The conv nets' levers (bench/NOTES.md, issue 24) switched on one after another on the wasm
// backend, interleaved round by round, with the PyTorch peer (one thread) timed in the same rounds;
// kernels per step from tf.profile plus direct calls. The first level is the generic path: the
// highway conv layer as one op with its closed-form gradient in TF.js ops (XNNPACK convolutions,
// conv-gradients.ts's gradients), weight decay as ops.
// Run after `npm run build`: node bench/conv-levers.mjs [model=highway-conv] [rounds=5] [steps=6]
import { initBackend } from '../dist/backend/index.js';
import { setFastPaths } from '../dist/backend/fast-paths.js';
import { registerConvKernels, unregisterConvKernels } from '../dist/backend/conv-kernels.js';
import { installConvFixes } from '../dist/backend/wasm-conv-fixes.js';
import { prepareNet } from '../dist/bench/measure.js';
import { familySetup, peerArgs } from '../dist/bench/nets.js';
import { timePytorch } from '../dist/bench/pytorch.js';
import { printLevels, timeLevels } from './lever-rounds.mjs';

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
const batch = familySetup(model).batchSize;
const net = prepareNet({ model, depth: 9 }, batch);
const result = await timeLevels({
  net,
  levels,
  rounds: Number(roundsArg),
  time: () => net.time(Number(stepsArg), 1),
  peer: (r) => timePytorch(peerArgs({ model, depth: 9 }, net.cfg, net.batches), batch, Number(stepsArg), r === 0 ? 2 : 1, 1).msPerStep,
});
setFastPaths(true);
console.log(`${model}, batch ${batch}: PyTorch (1 thread) ${result.peerMs.toFixed(1)} ms`);
printLevels(levels, result, 56);
net.dispose();
