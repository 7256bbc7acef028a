// The dense-step levers of issue 24 (bench/NOTES.md #25–29) switched on one after another on the
// wasm backend, interleaved round by round in one process, with the fused PyTorch peer (two
// threads) timed in the same rounds. Step times are medians of wall clock and means of this
// process's CPU time. Run after `npm run build`: node bench/levers-dense.mjs [depths=50,100] [rounds=5]
import { initBackend } from '../dist/backend/index.js';
import { prepareNet } from '../dist/bench/measure.js';
import { allowFusedProducts } from '../dist/backend/wasm-simd.js';
import { setDenseStep } from '../dist/train/step.js';
import { timePytorch } from '../dist/bench/pytorch.js';
import { median as med } from './lever-rounds.mjs';

await initBackend('wasm');
const levels = [
  ['layer kernels through the engine (#25)', false, false],
  ['+ engine-free step (#26)', true, false],
  ['+ fused multiply-adds (#29)', true, true],
];
const mean = (x) => x.reduce((a, b) => a + b, 0) / x.length;
const depths = (process.argv[2] ?? '50,100').split(',').map(Number);
const rounds = Number(process.argv[3] ?? 5);
for (const depth of depths) {
  const net = prepareNet({ model: 'highway', depth }, 128);
  const wall = levels.map(() => []);
  const cpu = levels.map(() => []);
  const torch = [];
  for (let r = 0; r < rounds; r++) {
    levels.forEach(([, engineFree, fused], i) => {
      setDenseStep(engineFree);
      allowFusedProducts(fused);
      const t = net.time(10, 2);
      wall[i].push(...t.samples);
      cpu[i].push(t.cpuMsPerStep);
    });
    torch.push(timePytorch({ model: 'highway', depth }, 128, 10, r === 0 ? 3 : 1, 2, true).msPerStep);
  }
  console.log(`highway d${depth}: fused PyTorch (2 threads) ${med(torch).toFixed(1)} ms`);
  levels.forEach(([name], i) => {
    console.log(
      `  ${name.padEnd(42)} ${med(wall[i]).toFixed(1).padStart(6)} ms wall (${(med(wall[i]) / med(torch)).toFixed(2)}×), ${mean(cpu[i]).toFixed(1)} ms cpu`,
    );
  });
  net.dispose();
}
