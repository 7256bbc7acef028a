// Median training step of the authors' MNIST conv net (configs/mnist-conv.json's model: width 16,
// stages 2,3,3, input dropout 0.2, b_T −1; Nesterov 0.9, weight decay 0.001; batch 100) with the
// build in DIST (default ../dist), on random digits: for comparing two builds, e.g. interleaved
//   node bench/conv-step.mjs /path/a/dist   against   node bench/conv-step.mjs /path/b/dist
// (the bench command needs no second build: highway bench --models highway-conv).
// Run after `npm run build`: node bench/conv-step.mjs [dist] [steps=15] [model=highway-conv]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist = new URL('../dist', import.meta.url).pathname, stepsArg = '15', model = 'highway-conv'] = process.argv.slice(2);
const load = (p) => import(pathToFileURL(resolve(dist, p)).href);
const [{ initBackend }, { resolveConfig }, { buildModel, logitsModel }, { createTrainStep }] = await Promise.all([
  load('backend/index.js'),
  load('config/index.js'),
  load('model/index.js'),
  load('train/index.js'),
]);
await initBackend('wasm');
const cfg = resolveConfig(
  new Map([
    ['model.type', model],
    ['model.width', 16],
    ['model.convBlocks', [2, 3, 3]],
    ['model.inputDropout', 0.2],
    ['model.gateBias', -1],
  ]),
);
const net = logitsModel(buildModel(cfg.model, { inputShape: [28, 28, 1], numClasses: 10 }, 1));
const step = createTrainStep(net, { optimizer: 'nesterov', momentum: 0.9, clipNorm: null, weightDecay: 0.001 }, [28, 28, 1], 10);
const B = 100;
let seed = 1;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const x = Float32Array.from({ length: B * 784 }, rand);
const y = Int32Array.from({ length: B }, () => Math.floor(rand() * 10));
const times = [];
for (let i = 0; i < Number(stepsArg) + 3; i++) {
  const t0 = performance.now();
  const loss = step.step(x, y, 0.01);
  loss.dataSync();
  loss.dispose();
  if (i >= 3) times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ dist, model, msPerStep: times[times.length >> 1] }));
