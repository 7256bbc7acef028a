// Each fast-path lever of issue #15 added in turn on the wasm backend, interleaved round by round,
// with PyTorch (2 threads) timed in the same rounds; kernels per step from tf.profile plus direct calls.
// Run after `npm run build`: node bench/levers.mjs [depths, default 50,100]
// (The later levers stay off: the engine-free step of bench/levers-dense.mjs, and the products
// with fused multiply-adds; the layer's kernels are now two where these levers had four.)
import { initBackend } from '../dist/backend/index.js';
import { prepareNet } from '../dist/bench/measure.js';
import { setFastPathFlag } from '../dist/backend/memory.js';
import { registerHighwayKernels, unregisterHighwayKernels } from '../dist/backend/highway-kernels.js';
import { installSharedIdentity, uninstallSharedIdentity } from '../dist/backend/wasm-identity.js';
import { allowFusedProducts, allowSimd } from '../dist/backend/wasm-simd.js';
import { setDenseStep } from '../dist/train/step.js';
import { printLevels, timeLevels } from './lever-rounds.mjs';
import { timePytorch } from '../dist/bench/pytorch.js';
import { peerArgs } from '../dist/bench/nets.js';
await initBackend('wasm');
setDenseStep(false);
allowFusedProducts(false);
const levels = [
  [
    'generic (all off)',
    () => {
      setFastPathFlag(false);
      unregisterHighwayKernels('wasm');
      uninstallSharedIdentity();
      allowSimd(false);
    },
  ],
  [
    '+ shared Identity',
    () => {
      installSharedIdentity();
    },
  ],
  [
    '+ in-place optimiser (JS)',
    () => {
      setFastPathFlag(true);
    },
  ],
  [
    '+ highway kernels, direct calls (JS)',
    () => {
      registerHighwayKernels('wasm');
    },
  ],
  [
    '+ SIMD module',
    () => {
      allowSimd(true);
    },
  ],
];
const depths = (process.argv[2] ?? '50,100').split(',').map(Number);
for (const depth of depths) {
  const net = prepareNet({ model: 'highway', depth }, 128);
  const result = await timeLevels({
    net,
    levels,
    rounds: 5,
    time: () => net.time(8, 2),
    peer: (r) => timePytorch(peerArgs({ model: 'highway', depth }, net.cfg, net.batches), 128, 8, r === 0 ? 3 : 1, 2).msPerStep,
  });
  console.log(`highway d${depth}: PyTorch (2 threads) ${result.peerMs.toFixed(1)} ms`);
  printLevels(levels, result, 40);
  net.dispose();
}
