import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index.js';
import { setFastPaths } from '../src/backend/fast-paths.js';
import { allowSimd, simdActive } from '../src/backend/wasm-simd.js';
import { resolveConfig } from '../src/config/index.js';
import { executeRun } from '../src/runs/run.js';
import { prepareNet } from '../src/bench/measure.js';
import { Rng } from '../src/util/random.js';
import { act64, maxRelErr, randMat, sigmoid64, type Mat } from './helpers/reference.js';

// The highway kernels (backend/highway-kernels.ts) on this backend: JS loops on cpu, and on wasm
// the SIMD module or (SIMD off) the JS loops. Each is held to the float64 formula written here.
const onWasm = () => tf.getBackend() === 'wasm';
const variants = () => (onWasm() ? [true, false] : [false]);

afterEach(() => {
  allowSimd(true);
  setFastPaths(true);
});

/** act'(a) from h = act(a), float64 */
const deriv64: Record<string, (h: number) => number> = {
  relu: (h) => (h > 0 ? 1 : 0),
  tanh: (h) => 1 - h * h,
  sigmoid: (h) => h * (1 - h),
  elu: (h) => (h > 0 ? 1 : h + 1),
  linear: () => 1,
};

function kernel(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown> = {}): Float32Array[] {
  const out = tf.engine().runKernel(name, inputs, attrs as never) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(out) ? out : [out];
  const values = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(list);
  return values;
}

/** A layer's saved tensors: T = σ(·), H = act(·), x and dy, at a width that is not a multiple of 4 (the SIMD tail). */
function layerCase(seed: number, batch: number, n: number, activation: string) {
  const rng = new Rng(seed);
  const t = randMat(rng, batch, n, 4).map((r) => r.map(sigmoid64));
  const h = randMat(rng, batch, n, 2).map((r) => r.map(act64[activation]!));
  return { t, h, x: randMat(rng, batch, n, 1.5), dy: randMat(rng, batch, n, 1) };
}

describe('highway kernels equal the float64 formula', () => {
  for (const [batch, n] of [
    [7, 9],
    [4, 8],
    [3, 1],
  ] as const) {
    for (const activation of ['relu', 'tanh', 'sigmoid', 'elu', 'linear']) {
      it(`HighwayBackward and HighwayCombine, ${activation}, ${batch}×${n}`, () => {
        const c = layerCase(batch * 31 + n, batch, n, activation);
        const tensors = { t: tf.tensor2d(c.t), h: tf.tensor2d(c.h), x: tf.tensor2d(c.x), dy: tf.tensor2d(c.dy) };
        const dA: Mat = [];
        const dxc: Mat = [];
        const dbh = new Array<number>(n).fill(0);
        const dbt = new Array<number>(n).fill(0);
        for (let r = 0; r < batch; r++) {
          const ah = c.t[r]!.map((t, u) => t * c.dy[r]![u]! * deriv64[activation]!(c.h[r]![u]!));
          const at = c.t[r]!.map((t, u) => (c.h[r]![u]! - c.x[r]![u]!) * c.dy[r]![u]! * t * (1 - t));
          dA.push([...ah, ...at]);
          dxc.push(c.t[r]!.map((t, u) => (1 - t) * c.dy[r]![u]!));
          ah.forEach((v, u) => {
            dbh[u]! += v;
          });
          at.forEach((v, u) => {
            dbt[u]! += v;
          });
        }
        const y = c.x.map((row, r) => row.map((x, u) => c.t[r]![u]! * c.h[r]![u]! + (1 - c.t[r]![u]!) * x));
        const xT = c.x[0]!.map((_, u) => c.x.map((row) => row[u]!));
        for (const simd of variants()) {
          allowSimd(simd);
          const before = tf.memory().numTensors;
          const [gD, gDxc, gDbh, gDbt, gXT] = kernel('HighwayBackward', tensors, { activation });
          expect(simdActive(), 'the SIMD module runs on wasm').toBe(simd);
          expect(maxRelErr(gD!, dA.flat()), `dA (simd ${simd})`).toBeLessThan(1e-5);
          expect(maxRelErr(gDxc!, dxc.flat())).toBeLessThan(1e-5);
          expect(maxRelErr(gDbh!, dbh)).toBeLessThan(1e-5);
          expect(maxRelErr(gDbt!, dbt)).toBeLessThan(1e-5);
          expect(Array.from(gXT!)).toEqual(Array.from(Float32Array.from(xT.flat())));
          const [gy] = kernel('HighwayCombine', { t: tensors.t, h: tensors.h, x: tensors.x });
          expect(maxRelErr(gy!, y.flat())).toBeLessThan(1e-5);
          expect(tf.memory().numTensors).toBe(before);
        }
        tf.dispose(Object.values(tensors));
      });
    }
  }

  for (const n of [5, 8]) {
    it(`HighwayPackWeights gives [W_H | W_T]ᵀ and HighwaySplitColumns the two halves back (n = ${n})`, () => {
      const rng = new Rng(n);
      const wh = randMat(rng, n, n);
      const wt = randMat(rng, n, n);
      const m = randMat(rng, 3, 2 * n);
      for (const simd of variants()) {
        allowSimd(simd);
        const [packed] = kernel('HighwayPackWeights', { wh: tf.tensor2d(wh), wt: tf.tensor2d(wt) });
        const want = [...wh[0]!.map((_, j) => wh.map((r) => r[j]!)), ...wt[0]!.map((_, j) => wt.map((r) => r[j]!))];
        expect(Array.from(packed!)).toEqual(Array.from(Float32Array.from(want.flat())));
        const [left, right] = kernel('HighwaySplitColumns', { m: tf.tensor2d(m) });
        expect(Array.from(left!)).toEqual(Array.from(Float32Array.from(m.flatMap((r) => r.slice(0, n)))));
        expect(Array.from(right!)).toEqual(Array.from(Float32Array.from(m.flatMap((r) => r.slice(n)))));
      }
    });
  }
});

describe('fast paths against the generic path (plain TF.js ops)', () => {
  const cfg = resolveConfig(
    new Map<string, unknown>(
      Object.entries({
        'dataset.name': 'synthetic',
        'dataset.trainSize': 512,
        'dataset.testSize': 64,
        'model.type': 'highway',
        'model.depth': 10,
        'model.width': 18,
        'train.epochs': 3,
        'train.batchSize': 32,
        'train.lr': 0.05,
        'train.seed': 7,
      }),
    ),
  );
  const metrics = async (fast: boolean): Promise<number[][]> => {
    const backend = await initBackend('auto');
    setFastPaths(fast);
    const out = join(mkdtempSync(join(tmpdir(), 'highway-fast-')), 'run');
    const s = await executeRun(cfg, { out, force: false, backend });
    expect(s.status).toBe('completed');
    const [head, ...rows] = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    // the losses and accuracies (not the epoch, learning rate or timings)
    const numeric = head!.split(',').map((c) => /_(loss|acc)$/.test(c));
    return rows.map((r) =>
      r
        .split(',')
        .map(Number)
        .filter((_, i) => numeric[i]),
    );
  };

  it('a seeded run gives the same metrics.csv (1e-4 relative at epoch 3)', async () => {
    const fast = await metrics(true);
    const generic = await metrics(false);
    expect(fast.length).toBe(4); // epoch 0 (before training), 1, 2, 3
    expect(maxRelErr(fast[3]!, generic[3]!)).toBeLessThan(1e-4);
    // and the net did train (the loss moved well beyond the tolerance)
    expect(fast[3]![0]! / fast[0]![0]!).toBeLessThan(0.9);
  });

  it('numTensors stays flat over training steps on both paths', () => {
    for (const fast of [true, false]) {
      setFastPaths(fast);
      const net = prepareNet({ model: 'highway', depth: 6 }, 16);
      const t = net.time(4, 2);
      expect(t.leaked, `fast paths ${fast}`).toBe(0);
      net.dispose();
    }
  });
});
