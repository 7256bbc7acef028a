// The engine-free dense step against the engine's autodiff (fast paths off) on the same MNIST
// batches: the loss every 3rd step for 30 steps, then every 50th, and the largest |weight|.
// Run after `npm run build`: node bench/step-paths.mjs fast|engine [depth=20] [steps=469]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../dist/backend/index.js';
import { setFastPaths } from '../dist/backend/fast-paths.js';
import { createTrainStep } from '../dist/train/step.js';
import { resolveConfig } from '../dist/config/index.js';
import { buildModel, logitsModel } from '../dist/model/index.js';
import { loadMnist } from '../dist/data/mnist.js';
import { Rng } from '../dist/util/random.js';

await initBackend('wasm');
const [mode = 'fast', depthArg = '20', stepsArg = '469'] = process.argv.slice(2);
setFastPaths(mode === 'fast');
const ds = loadMnist();
const cfg = resolveConfig(new Map(Object.entries({ 'model.depth': Number(depthArg) })));
const model = buildModel(cfg.model, { inputShape: ds.inputShape, numClasses: 10 }, 1);
const logits = logitsModel(model);
const step = createTrainStep(logits, { momentum: 0.9, optimizer: 'sgd', clipNorm: null }, ds.inputShape, 10);
const B = 128;
const d = 784;
const order = new Rng(7).permutation(ds.train.n);
const x = new Float32Array(B * d);
const y = new Int32Array(B);
for (let s = 0; s < Number(stepsArg); s++) {
  for (let i = 0; i < B; i++) {
    const k = order[(s * B + i) % ds.train.n];
    x.set(ds.train.x.subarray(k * d, k * d + d), i * d);
    y[i] = ds.train.y[k];
  }
  const t = step.step(x, y, 0.1);
  const loss = (await t.data())[0];
  t.dispose();
  if ((s < 30 && s % 3 === 0) || s % 50 === 0 || !Number.isFinite(loss)) {
    const maxAbs = Math.max(...logits.trainableWeights.map((w) => tf.tidy(() => tf.max(tf.abs(w.read())).dataSync()[0])));
    console.log(`step ${s}  loss ${loss.toFixed(6)}  max|w| ${maxAbs.toFixed(2)}`);
  }
  if (!Number.isFinite(loss)) break;
}
