import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createOptimizer } from '../src/train/optimizers.js';
import { allowSimd } from '../src/backend/wasm-simd.js';
import { Rng } from '../src/util/random.js';
import { maxRelErr, randVec } from './helpers/reference.js';

// Float64 hand computation of three steps of each optimiser on fixed gradients.
const w0 = [0.5, -1.25, 2];
const gs = [
  [0.1, -0.2, 0.3],
  [-0.4, 0.5, 0.05],
  [0.2, 0.2, -0.6],
];
const lrs = [0.1, 0.05, 0.025];
const mu = 0.9;

function reference(kind: string, start = w0, grads = gs): number[] {
  const w = [...start];
  const v = start.map(() => 0);
  const m = start.map(() => 0);
  const s = start.map(() => 0);
  grads.forEach((g, t) => {
    for (let i = 0; i < w.length; i++) {
      if (kind === 'adam') {
        m[i] = mu * m[i]! + (1 - mu) * g[i]!;
        s[i] = 0.999 * s[i]! + 0.001 * g[i]! ** 2;
        const mh = m[i]! / (1 - mu ** (t + 1));
        const sh = s[i]! / (1 - 0.999 ** (t + 1));
        w[i] = w[i]! - (lrs[t]! * mh) / (Math.sqrt(sh) + 1e-8);
      } else {
        v[i] = mu * v[i]! + g[i]!;
        w[i] = w[i]! - lrs[t]! * (kind === 'nesterov' ? g[i]! + mu * v[i]! : v[i]!);
      }
    }
  });
  return w;
}

describe('optimisers', () => {
  for (const kind of ['sgd', 'nesterov', 'adam'] as const) {
    // "sole": the variable owns its storage, so sgd/nesterov update it in place on cpu/wasm;
    // "shared": another tensor shares it, so the update must fall back to ops.
    for (const storage of ['sole', 'shared'] as const) {
      it(`${kind} (${storage} storage): three steps equal the float64 update rule`, () => {
        const init = tf.tensor1d(w0);
        const v = tf.variable(init, true, `w_${kind}_${storage}`);
        if (storage === 'sole') init.dispose();
        const opt = createOptimizer(kind, mu);
        const before = tf.memory().numTensors;
        const dataId = v.dataId;
        gs.forEach((g, t) => {
          const grad = tf.tensor1d(g);
          opt.step([v], { [v.name]: grad }, lrs[t]!);
          grad.dispose();
        });
        // slots are created on the first step only; nothing else stays alive
        expect(tf.memory().numTensors - before).toBe(kind === 'adam' ? 2 : 1);
        expect(maxRelErr(v.dataSync(), reference(kind))).toBeLessThan(1e-6);
        // weights are written in place on cpu and wasm when nothing else shares their storage
        const inPlace = storage === 'sole' && ['cpu', 'wasm'].includes(tf.getBackend());
        expect(v.dataId === dataId, 'updated in place').toBe(inPlace);
        opt.dispose();
        v.dispose();
        if (storage === 'shared') init.dispose();
      });
    }
  }
});

describe('in-place weight updates and cached matmul weights', () => {
  it('a matmul after an in-place update uses the new weights, not a packed copy of the old ones', () => {
    // wasm caches an XNNPACK operator (with packed weights) per weight tensor id
    const x = [
      [1, 2],
      [-1, 0.5],
    ];
    // variables that own their storage (as a model's weights do), so the update is in place
    const own = (t: tf.Tensor, name: string) => {
      const v = tf.variable(t, true, name);
      t.dispose();
      return v;
    };
    const w = own(
      tf.tensor2d([
        [0.5, -1],
        [2, 0.25],
      ]),
      'w_cache',
    );
    const b = own(tf.tensor1d([0.1, -0.2]), 'b_cache');
    const ids = [w.dataId, b.dataId];
    const xt = tf.tensor2d(x);
    const product = () => tf.tidy(() => Array.from(tf.fused.matMul({ a: xt, b: w, bias: b }).dataSync()));
    product(); // the operator and its packed weights are cached now
    const opt = createOptimizer('sgd', 0);
    const gw = tf.tensor2d([
      [1, 1],
      [1, 1],
    ]);
    const gb = tf.tensor1d([1, 1]);
    opt.step([w, b], { [w.name]: gw, [b.name]: gb }, 0.5);
    // float64: w − 0.5, b − 0.5
    const w1 = [
      [0, -1.5],
      [1.5, -0.25],
    ];
    const b1 = [-0.4, -0.7];
    const expected = x.flatMap((r) => [0, 1].map((j) => r[0]! * w1[0]![j]! + r[1]! * w1[1]![j]! + b1[j]!));
    expect(maxRelErr(product(), expected)).toBeLessThan(1e-6);
    if (['cpu', 'wasm'].includes(tf.getBackend())) expect([w.dataId, b.dataId]).toEqual(ids);
    tf.dispose([w, b, xt, gw, gb]);
    opt.dispose();
  });
});

describe('gradient clipping', () => {
  it('scales all gradients by min(1, maxNorm / global norm) (hand-derived: norm of (3, 4, 12) is 13)', async () => {
    const { clipByGlobalNorm } = await import('../src/train/clip.js');
    const grads = { a: tf.tensor1d([3, 4]), b: tf.tensor1d([12]) };
    const half = tf.tidy(() => Object.fromEntries(Object.entries(clipByGlobalNorm(grads, 6.5)).map(([k, v]) => [k, Array.from(v.dataSync())])));
    expect(half.a![0]).toBeCloseTo(1.5, 6);
    expect(half.a![1]).toBeCloseTo(2, 6);
    expect(half.b![0]).toBeCloseTo(6, 6);
    const same = tf.tidy(() => Array.from(clipByGlobalNorm(grads, 100).b!.dataSync()));
    expect(same).toEqual([12]);
    tf.dispose(Object.values(grads));
  });

  it('clipInPlace, for buffers the dense step owns, gives the same (3, 4, 12) → (1.5, 2, 6), and leaves a small norm alone', async () => {
    const { clipInPlace } = await import('../src/train/clip.js');
    const a = Float32Array.of(3, 4);
    const b = Float32Array.of(12);
    clipInPlace([a, b], 6.5);
    expect(Array.from(a)).toEqual([1.5, 2]);
    expect(Array.from(b)).toEqual([6]);
    clipInPlace([a, b], 6.5 + 1e-6);
    expect(Array.from(a)).toEqual([1.5, 2]);
  });
});

describe('optimisers on vectors longer than one SIMD register', () => {
  // 11 floats: two groups of four lanes and a tail of three, on wasm through the SIMD module and the JS loop
  const rng = new Rng(21);
  const start = randVec(rng, 11, 2);
  const grads = [0, 1, 2].map(() => randVec(rng, 11, 0.5));
  for (const kind of ['sgd', 'nesterov', 'adam'] as const) {
    for (const simd of [true, false]) {
      it(`${kind}, SIMD ${simd ? 'on' : 'off'}: three steps equal the float64 update rule`, () => {
        allowSimd(simd);
        try {
          const init = tf.tensor1d(start);
          const v = tf.variable(init, true, `long_${kind}_${simd}`);
          init.dispose(); // the variable owns its storage, so the update runs in place
          const dataId = v.dataId;
          const opt = createOptimizer(kind, mu);
          grads.forEach((g, t) => {
            tf.tidy(() => opt.step([v], { [v.name]: tf.tensor1d(g) }, lrs[t]!));
          });
          expect(maxRelErr(v.dataSync(), reference(kind, start, grads))).toBeLessThan(1e-5);
          expect(v.dataId === dataId, 'updated in place').toBe(['cpu', 'wasm'].includes(tf.getBackend()));
          opt.dispose();
          v.dispose();
        } finally {
          allowSimd(true);
        }
      });
    }
  }
});
