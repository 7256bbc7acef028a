/**
 * `highway analyze` reads the gates of the computation that trained the net. On a small net
 * trained through the coupled op, the T that analysis reports equals, to the last bit, the T the
 * op produced in a training step's forward pass — read from the kernels as they ran (the
 * backend's highway kernel, or the fused sigmoid matmul where the op runs as TF.js ops) — and it
 * is σ(x·W_T + b_T) of a float64 computation of the chain to float32 precision.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { analyzeModel } from '../src/analyze/gates.js';
import { resolveConfig } from '../src/config/index.js';
import { loadDataset } from '../src/data/index.js';
import { HighwayDense } from '../src/layers/index.js';
import { LOGITS_LAYER } from '../src/model/index.js';
import { affine, highwayDense64, sigmoid64, type Mat } from './helpers/reference.js';

/** Run `f` and return with it every transform gate T that a kernel computed meanwhile (copies, in call order). */
function gatesComputedBy<R>(f: () => R): { result: R; gates: Float32Array[] } {
  const backend = tf.getBackend();
  // the highway kernel's third output is T; where the layer runs as ops, T is the one fused sigmoid
  // matmul (which the highway kernel calls too on cpu: its own outputs count, if it ran)
  const pickers: Array<[string, (outs: tf.TensorInfo[], attrs: Record<string, unknown>) => tf.TensorInfo | undefined]> = [
    ['HighwayForward', (outs) => outs[2]],
    ['_FusedMatMul', (outs, attrs) => (attrs.activation === 'sigmoid' ? outs[0] : undefined)],
  ];
  const seen = pickers.map((): Float32Array[] => []);
  const originals = pickers.flatMap(([name, pick], i) => {
    const k = tf.getKernel(name, backend);
    if (!k) return [];
    tf.unregisterKernel(name, backend);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        const out = k.kernelFunc(args);
        const t = pick(Array.isArray(out) ? out : [out], args.attrs as Record<string, unknown>);
        if (t) seen[i]!.push(Float32Array.from((args.backend as tf.KernelBackend).readSync(t.dataId) as Float32Array));
        return out;
      },
    });
    return [k];
  });
  try {
    const result = f();
    return { result, gates: seen.find((g) => g.length > 0) ?? [] };
  } finally {
    for (const k of originals) {
      tf.unregisterKernel(k.kernelName, k.backendName);
      tf.registerKernel(k);
    }
  }
}

const rows = (v: ArrayLike<number>, width: number): Mat => Array.from({ length: v.length / width }, (_, i) => Array.from(v).slice(i * width, (i + 1) * width));

describe('analysis reads T through the op that trained the net', () => {
  for (const activation of ['relu', 'tanh'] as const) {
    it(`equals the trained op's T, bit for bit (${activation})`, () => {
      const ds = loadDataset(
        resolveConfig(
          new Map<string, unknown>([
            ['dataset.name', 'synthetic'],
            ['dataset.trainSize', 64],
            ['dataset.testSize', 16],
          ]),
        ).dataset,
        1,
      );
      const width = ds.inputShape[0]!;
      const input = tfl.input({ shape: [width] });
      let h = input;
      for (let i = 0; i < 2; i++) h = new HighwayDense({ activation, gateBias: -1, seed: 10 + i, name: `highway_${i}` }).apply(h) as tfl.SymbolicTensor;
      const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: ds.numClasses, name: LOGITS_LAYER }).apply(h) as tfl.SymbolicTensor });
      const x = tf.tensor2d(ds.train.x, [ds.train.n, width]);
      const labels = tf.oneHot(tf.tensor1d(ds.train.y, 'int32'), ds.numClasses);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const loss = () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
      // train a little, so that the gates are no longer where the initializers put them
      const sgd = tf.train.sgd(0.5);
      for (let step = 0; step < 5; step++) tf.dispose(sgd.minimize(loss, true, vars) ?? []);

      // one more training forward pass (a gradient recorded, as in training), its T read off the kernels
      const { result, gates } = gatesComputedBy(() => tf.variableGrads(loss, vars));
      tf.dispose([result.value, ...Object.values(result.grads)]);
      expect(gates).toHaveLength(2);

      const a = analyzeModel(model, ds.train, ds.train, ds.inputShape, ds.numClasses);
      gates.forEach((t, g) => {
        const trained = rows(t, width);
        expect(a.sample[g], `layer ${g + 1}, first sample`).toEqual(trained[0]);
        trained[0]!.forEach((_, u) => {
          expect(a.unitMeans[g]![u], `layer ${g + 1}, unit ${u}`).toBeCloseTo(trained.reduce((s, r) => s + r[u]!, 0) / trained.length, 12);
        });
      });

      // and both are the gate of the float64 chain (a second computation)
      let chain = rows(ds.train.x, width);
      [0, 1].forEach((g) => {
        const [wh, bh, wt, bt] = model.getLayer(`highway_${g}`).getWeights();
        const mat = (w: tf.Tensor) => rows(w.dataSync(), width);
        const p = { wh: mat(wh!), bh: Array.from(bh!.dataSync()), wt: mat(wt!), bt: Array.from(bt!.dataSync()) };
        const t64 = affine(chain, p.wt, p.bt).map((r) => r.map(sigmoid64));
        t64[0]!.forEach((v, u) => {
          expect(a.sample[g]![u]).toBeCloseTo(v, 5);
        });
        chain = highwayDense64(chain, p, activation);
      });
      tf.dispose([x, labels]);
      model.dispose();
    });
  }
});
