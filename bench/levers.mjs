// Each fast-path lever of issue #15 added in turn on the wasm backend, interleaved round by round,
// with PyTorch (2 threads) timed in the same rounds; kernels per step from tf.profile plus direct calls.
// Run after `npm run build`: node bench/levers.mjs [depths, default 50,100]
// (The later levers stay off: the engine-free step of bench/levers-dense.mjs, and the products
// with fused multiply-adds; the layer's kernels are now two where these levers had four.)
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../dist/backend/index.js';
import { prepareNet } from '../dist/bench/measure.js';
import { setFastPathFlag } from '../dist/backend/memory.js';
import { registerHighwayKernels, unregisterHighwayKernels } from '../dist/backend/highway-kernels.js';
import { installSharedIdentity, uninstallSharedIdentity } from '../dist/backend/wasm-identity.js';
import { allowFusedProducts, allowSimd } from '../dist/backend/wasm-simd.js';
import { setDenseStep } from '../dist/train/step.js';
import { directKernelCalls } from '../dist/layers/direct-kernel.js';
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
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const depths = (process.argv[2] ?? '50,100').split(',').map(Number);
for (const depth of depths) {
  const net = prepareNet({ model: 'highway', depth }, 128);
  const times = levels.map(() => []);
  const kernels = [];
  const torch = [];
  for (let r = 0; r < 5; r++) {
    for (let i = 0; i < levels.length; i++) {
      if (i === 0) levels[0][1]();
      else levels[i][1]();
      const t = net.time(8, 2);
      times[i].push(t.msPerStep);
      if (t.leaked) console.log('LEAK', levels[i][0], t.leaked);
      if (r === 0) {
        const d0 = directKernelCalls();
        const p = await tf.profile(() => net.time(1, 0));
        kernels[i] = `${p.kernels.length + directKernelCalls() - d0} (${directKernelCalls() - d0} direct)`;
      }
    }
    torch.push(timePytorch(peerArgs({ model: 'highway', depth }, net.cfg, net.batches), 128, 8, r === 0 ? 3 : 1, 2).msPerStep);
  }
  console.log(`highway d${depth}: PyTorch (2 threads) ${med(torch).toFixed(1)} ms`);
  for (let i = 0; i < levels.length; i++)
    console.log(`  ${levels[i][0].padEnd(40)} ${med(times[i]).toFixed(1).padStart(6)} ms  ${(med(times[i]) / med(torch)).toFixed(2)}×  kernels ${kernels[i]}`);
  net.dispose();
}
