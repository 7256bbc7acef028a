import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setFastPaths } from '../src/backend/fast-paths.js';
import { resolveConfig } from '../src/config/index.js';
import { buildModel, logitsModel } from '../src/model/index.js';
import { createTrainStep } from '../src/train/index.js';
import { crossEntropy, oneHot } from '../src/train/evaluate.js';
import { Rng } from '../src/util/random.js';
import { maxRelErr } from './helpers/reference.js';

describe('train step (forward, closed-form backward, momentum update)', () => {
  it('two steps move every weight by the momentum rule applied to independently taken gradients', () => {
    const cfg = resolveConfig(
      new Map<string, unknown>([
        ['model.depth', 4],
        ['model.width', 6],
        ['model.activation', 'tanh'],
      ]),
    );
    const model = buildModel(cfg.model, { inputShape: [5], numClasses: 3 }, 2);
    const logits = logitsModel(model);
    const vars = logits.trainableWeights.map((w) => w.read() as tf.Variable);
    const rng = new Rng(4);
    const batch = () => ({ x: Float32Array.from({ length: 8 * 5 }, () => rng.next() * 2 - 1), y: Int32Array.from({ length: 8 }, () => rng.int(3)) });
    const gradsAt = (b: { x: Float32Array; y: Int32Array }) =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(
          () => crossEntropy(logits.apply(tf.tensor2d(b.x, [8, 5])) as tf.Tensor, tf.tensor2d(oneHot(b.y, 0, 8, 3), [8, 3])),
          vars,
        );
        return vars.map((v) => Array.from(grads[v.name]!.dataSync()));
      });
    const values = () => vars.map((v) => Array.from(v.dataSync()));
    const step = createTrainStep(logits, { optimizer: 'sgd', momentum: 0.9, clipNorm: null }, [5], 3);
    const [b1, b2] = [batch(), batch()];
    const lr = 0.05;

    const w0 = values();
    const g1 = gradsAt(b1);
    step.step(b1.x, b1.y, lr).dispose();
    const w1 = values();
    const ids = vars.map((v) => v.dataId);
    const g2 = gradsAt(b2);
    step.step(b2.x, b2.y, lr).dispose();
    const w2 = values();

    // float64: v1 = g1, w1 = w0 − lr·v1; v2 = 0.9·v1 + g2, w2 = w1 − lr·v2
    vars.forEach((_, k) => {
      const want1 = w0[k]!.map((w, i) => w - lr * g1[k]![i]!);
      const want2 = w1[k]!.map((w, i) => w - lr * (0.9 * g1[k]![i]! + g2[k]![i]!));
      expect(maxRelErr(w1[k]!, want1), `step 1, ${vars[k]!.name}`).toBeLessThan(1e-6);
      expect(maxRelErr(w2[k]!, want2), `step 2, ${vars[k]!.name}`).toBeLessThan(1e-6);
    });
    if (tf.getBackend() === 'cpu') {
      // the second step updated every weight in its own storage
      expect(vars.every((v, k) => v.dataId === ids[k])).toBe(true);
    }
    // what the model computes must follow its weights (no stale cached weights anywhere), also
    // after the pattern of a real run: a forward pass (evaluation), then more steps
    const x = tf.tensor2d(b1.x, [8, 5]);
    tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    for (let k = 0; k < 5; k++) step.step(b2.x, b2.y, lr).dispose();
    const fresh = buildModel(cfg.model, { inputShape: [5], numClasses: 3 }, 99);
    fresh.setWeights(model.getWeights());
    const a = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    const c = tf.tidy(() => (fresh.predict(x) as tf.Tensor).dataSync());
    expect(maxRelErr(a, c)).toBeLessThan(1e-6);
    tf.dispose(x);
    fresh.dispose();
    step.dispose();
    model.dispose();
  });
});

describe('weight decay', () => {
  // both the in-place decay (fast paths) and the ops
  it.each([true, false])('one SGD step with train.weightDecay: kernels move by lr·(g + wd·w), biases by lr·g (float64; fast paths %s)', (fast) => {
    setFastPaths(fast);
    const cfg = resolveConfig(
      new Map<string, unknown>([
        ['model.depth', 3],
        ['model.width', 5],
      ]),
    );
    const model = buildModel(cfg.model, { inputShape: [4], numClasses: 3 }, 3);
    const logits = logitsModel(model);
    const vars = logits.trainableWeights.map((w) => w.read() as tf.Variable);
    const rng = new Rng(8);
    const x = Float32Array.from({ length: 6 * 4 }, () => rng.next() * 2 - 1);
    const y = Int32Array.from({ length: 6 }, () => rng.int(3));
    const g = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => crossEntropy(logits.apply(tf.tensor2d(x, [6, 4])) as tf.Tensor, tf.tensor2d(oneHot(y, 0, 6, 3), [6, 3])), vars);
      return vars.map((v) => Array.from(grads[v.name]!.dataSync()));
    });
    const w0 = vars.map((v) => Array.from(v.dataSync()));
    const [lr, wd] = [0.1, 0.01];
    const step = createTrainStep(logits, { optimizer: 'sgd', momentum: 0.9, clipNorm: null, weightDecay: wd }, [4], 3);
    step.step(x, y, lr).dispose();
    vars.forEach((v, k) => {
      const decays = v.shape.length >= 2;
      const want = w0[k]!.map((w, i) => w - lr * (g[k]![i]! + (decays ? wd * w : 0)));
      expect(maxRelErr(v.dataSync(), want), v.name).toBeLessThan(1e-5);
    });
    expect(vars.filter((v) => v.shape.length >= 2)).toHaveLength(6); // dense_0, 2 highway layers × (W_H, W_T), logits
    step.dispose();
    model.dispose();
    setFastPaths(true);
  });
});
