/**
 * Recurrent layers (BiLSTM, HighwayBiLSTM, MaskedMeanPooling) against a float64 re-computation
 * written out here loop by loop, and their gradients against central finite differences of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BiLSTM, HighwayBiLSTM, MaskedMeanPooling } from '../src/layers/index.js';
import { setFastPaths } from '../src/backend/fast-paths.js';
import { Rng } from '../src/util/random.js';

const sig = (v: number) => 1 / (1 + Math.exp(-v));

type W = { kernel: number[]; recurrent: number[]; bias: number[]; proj?: number[]; projBias?: number[]; gate?: number[]; gateBias?: number[] };

/** Float64 bidirectional LSTM: x [B][L][d] (flat), kernel [d][8h], recurrent [h][8h], bias [8h], columns (dir, gate i f g o, unit). */
function bilstm64(x: number[], mask: number[], B: number, L: number, d: number, h: number, w: W): number[] {
  const out = new Array<number>(B * L * 2 * h).fill(0);
  for (let dir = 0; dir < 2; dir++) {
    for (let b = 0; b < B; b++) {
      let hs = new Array<number>(h).fill(0);
      let cs = new Array<number>(h).fill(0);
      for (let s = 0; s < L; s++) {
        const t = dir === 0 ? s : L - 1 - s;
        const z = (g: number, u: number) => {
          const col = dir * 4 * h + g * h + u;
          let v = w.bias[col]!;
          for (let k = 0; k < d; k++) v += x[(b * L + t) * d + k]! * w.kernel[k * 8 * h + col]!;
          for (let k = 0; k < h; k++) v += hs[k]! * w.recurrent[k * 8 * h + col]!;
          return v;
        };
        const cN: number[] = [];
        const hN: number[] = [];
        for (let u = 0; u < h; u++) {
          const c = sig(z(1, u)) * cs[u]! + sig(z(0, u)) * Math.tanh(z(2, u));
          cN.push(c);
          hN.push(sig(z(3, u)) * Math.tanh(c));
        }
        if (mask[b * L + t]) {
          cs = cN;
          hs = hN;
        }
        for (let u = 0; u < h; u++) out[(b * L + t) * 2 * h + dir * h + u] = hs[u]!;
      }
    }
  }
  return out;
}

/** Float64 highway BiLSTM: y = x + T·(H − x), H = bilstm·P + p, T = σ(x·W_T + b_T). */
function highwayBilstm64(x: number[], mask: number[], B: number, L: number, d: number, h: number, w: W): number[] {
  const seq = bilstm64(x, mask, B, L, d, h, w);
  const y: number[] = [];
  for (let n = 0; n < B * L; n++) {
    for (let j = 0; j < d; j++) {
      let hv = w.projBias![j]!;
      for (let k = 0; k < 2 * h; k++) hv += seq[n * 2 * h + k]! * w.proj![k * d + j]!;
      let tv = w.gateBias![j]!;
      for (let k = 0; k < d; k++) tv += x[n * d + k]! * w.gate![k * d + j]!;
      const t = sig(tv);
      const xv = x[n * d + j]!;
      y.push(xv + t * (hv - xv));
    }
  }
  return y;
}

const B = 2;
const L = 4;
const D = 3;
const H = 2;
// row 0: four tokens; row 1: two tokens, then padding (whose inputs are not zero: they must not leak)
const MASK = [1, 1, 1, 1, 1, 1, 0, 0];

function randomLayer(highway: boolean, seed: number) {
  const rng = new Rng(seed);
  const r = (n: number, scale: number) => Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
  const w: W = { kernel: r(D * 8 * H, 0.8), recurrent: r(H * 8 * H, 0.8), bias: r(8 * H, 0.5) };
  if (highway) Object.assign(w, { proj: r(2 * H * D, 0.8), projBias: r(D, 0.3), gate: r(D * D, 0.8), gateBias: r(D, 0.5) });
  const layer = highway ? new HighwayBiLSTM({ units: H, seed: 3 }) : new BiLSTM({ units: H, seed: 3 });
  layer.build([null, L, D]);
  const order = highway
    ? [
        [w.kernel, [D, 8 * H]],
        [w.recurrent, [H, 8 * H]],
        [w.bias, [8 * H]],
        [w.proj!, [2 * H, D]],
        [w.projBias!, [D]],
        [w.gate!, [D, D]],
        [w.gateBias!, [D]],
      ]
    : [
        [w.kernel, [D, 8 * H]],
        [w.recurrent, [H, 8 * H]],
        [w.bias, [8 * H]],
      ];
  layer.setWeights(order.map(([v, s]) => tf.tensor(v as number[], s as number[])));
  return { layer, w, x: r(B * L * D, 1) };
}

const run = (layer: BiLSTM | HighwayBiLSTM, x: number[]) =>
  tf.tidy(() => Array.from(layer.call(tf.tensor3d(x, [B, L, D]), { mask: tf.tensor2d(MASK, [B, L], 'bool') }).dataSync()));

const relErr = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!) / Math.max(1, Math.abs(b[i]!))));

// the recurrence as one kernel each way (wasm: backend/lstm-kernels.ts) and as TF.js ops (fast paths off)
const PATHS = [true, false] as const;

describe.each(PATHS)('BiLSTM and HighwayBiLSTM forward pass (fast paths %s)', (fast) => {
  beforeAll(() => setFastPaths(fast));
  afterAll(() => setFastPaths(true));

  it('the recurrence runs as one kernel exactly on wasm with fast paths', () => {
    expect(tf.getKernel('LstmForward', tf.getBackend()) !== undefined).toBe(fast && tf.getBackend() === 'wasm');
  });

  it('BiLSTM equals the float64 loop, padding carried over, on both directions', () => {
    const { layer, w, x } = randomLayer(false, 11);
    const got = run(layer, x);
    const want = bilstm64(x, MASK, B, L, D, H, w);
    expect(got).toHaveLength(B * L * 2 * H);
    expect(relErr(got, want)).toBeLessThan(1e-5);
    // the backward direction of row 1 starts at its last real token: its value at token 1 is
    // the first backward step, independent of the padded inputs
    const x2 = [...x];
    for (const t of [2, 3]) for (let k = 0; k < D; k++) x2[(1 * L + t) * D + k] = 5;
    const got2 = run(layer, x2);
    for (const t of [0, 1]) for (let k = 0; k < 2 * H; k++) expect(got2[(1 * L + t) * 2 * H + k]).toBeCloseTo(got[(1 * L + t) * 2 * H + k]!, 6);
  });

  it('HighwayBiLSTM equals y = x + T·(H − x) in float64; gate bias −30 carries x, +30 gives H', () => {
    const { layer, w, x } = randomLayer(true, 12);
    expect(relErr(run(layer, x), highwayBilstm64(x, MASK, B, L, D, H, w))).toBeLessThan(1e-5);
    for (const [bias, check] of [
      [-30, (y: number[]) => relErr(y, x)],
      [30, (y: number[]) => relErr(y, highwayBilstm64(x, MASK, B, L, D, H, { ...w, gate: w.gate!.map(() => 0), gateBias: [1e3, 1e3, 1e3] }))],
    ] as const) {
      const ws = layer.getWeights();
      // with b_T = ±30 and |x·W_T| < 3 the gate is within 1e-11 of 0 or 1
      layer.setWeights([...layer.getWeights().slice(0, 5), tf.mul(ws[5]!, 0.1), tf.fill([D], bias)]);
      expect(check(run(layer, x))).toBeLessThan(1e-5);
      layer.setWeights(ws);
    }
  });

  it('MaskedMeanPooling averages the real tokens only (all-padding rows give 0)', () => {
    const pool = new MaskedMeanPooling();
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]; // [2, 3, 2]
    const mask = [1, 0, 1, 0, 0, 0];
    const y = tf.tidy(() => Array.from(pool.call(tf.tensor3d(x, [2, 3, 2]), { mask: tf.tensor2d(mask, [2, 3], 'bool') }).dataSync()));
    expect(y).toEqual([(1 + 5) / 2, (2 + 6) / 2, 0, 0]);
  });
});

describe.each(PATHS)('recurrent highway layer gradients (fast paths %s)', (fast) => {
  beforeAll(() => setFastPaths(fast));
  afterAll(() => setFastPaths(true));

  it('match central finite differences of the float64 formula, for the input and every weight', () => {
    const { layer, w, x } = randomLayer(true, 13);
    const rng = new Rng(99);
    const R = Array.from({ length: B * L * D }, () => rng.next() * 2 - 1);
    // the loss counts real positions only (what masked pooling feeds on)
    const keep = Array.from({ length: B * L * D }, (_, i) => MASK[Math.floor(i / D)]!);
    const loss64 = (xv: number[], wv: W) => highwayBilstm64(xv, MASK, B, L, D, H, wv).reduce((s, y, i) => s + y * R[i]! * keep[i]!, 0);
    const weights = layer.trainableWeights;
    const names: Array<keyof W> = ['kernel', 'recurrent', 'bias', 'proj', 'projBias', 'gate', 'gateBias'];
    const xT = tf.tensor3d(x, [B, L, D]);
    const maskT = tf.tensor2d(MASK, [B, L], 'bool');
    const rT = tf.tensor3d(
      R.map((v, i) => v * keep[i]!),
      [B, L, D],
    );
    const f = (xx: tf.Tensor) => tf.sum(tf.mul(layer.call(xx, { mask: maskT }), rT));
    const gx = Array.from(tf.grad(f)(xT).dataSync());
    const { grads } = tf.variableGrads(() => f(xT) as tf.Scalar);
    const eps = 1e-6;
    const fd = (get: (v: number) => number) => (get(eps) - get(-eps)) / (2 * eps);
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      const g = fd((e) =>
        loss64(
          x.map((v, j) => (j === i ? v + e : v)),
          w,
        ),
      );
      worst = Math.max(worst, Math.abs(g - gx[i]!) / Math.max(1, Math.abs(g)));
    }
    names.forEach((name, k) => {
      const got = Array.from(grads[weights[k]!.read().name]!.dataSync());
      const vals = w[name]!;
      expect(got).toHaveLength(vals.length);
      for (let i = 0; i < vals.length; i++) {
        const g = fd((e) => loss64(x, { ...w, [name]: vals.map((v, j) => (j === i ? v + e : v)) }));
        worst = Math.max(worst, Math.abs(g - got[i]!) / Math.max(1, Math.abs(g)));
      }
    });
    expect(worst).toBeLessThan(2e-4);
  });
});

describe('the recurrence kernels at sizes with whole and partial blocks', () => {
  // 6 sequences (a 4-row block and 2 more), 2h = 12 units (an 8-column block and 4 more):
  // the module's products take both their fast blocks and their tails
  it.skipIf(tf.getBackend() !== 'wasm')('give the output and every gradient of the ops path', () => {
    const [b, len, d, h] = [6, 5, 7, 6];
    const rng = new Rng(21);
    const layer = new HighwayBiLSTM({ units: h, seed: 4 });
    layer.build([null, len, d]);
    const x = tf.tensor3d(
      Array.from({ length: b * len * d }, () => rng.next() * 2 - 1),
      [b, len, d],
    );
    const mask = tf.tensor2d(
      Array.from({ length: b * len }, (_, i) => (i % len < 1 + (Math.floor(i / len) % len) ? 1 : 0)),
      [b, len],
      'bool',
    );
    const r = tf.randomNormal([b, len, d], 0, 1, 'float32', 5);
    const run = () =>
      tf.tidy(() => {
        const f = () => tf.sum(tf.mul(layer.call(x, { mask }), r)) as tf.Scalar;
        const { value, grads } = tf.variableGrads(f);
        return [value.dataSync()[0]!, ...layer.trainableWeights.map((w) => Array.from(grads[w.read().name]!.dataSync()))] as const;
      });
    const [lossFast, ...gradsFast] = run();
    setFastPaths(false);
    const [lossOps, ...gradsOps] = run();
    setFastPaths(true);
    expect(Math.abs(lossFast - lossOps) / Math.abs(lossOps)).toBeLessThan(1e-5);
    gradsFast.forEach((g, k) => {
      expect(relErr(g as number[], gradsOps[k] as number[]), layer.trainableWeights[k]!.name).toBeLessThan(1e-4);
    });
  });
});

function tinySst(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sst5-rnn-'));
  const rng = new Rng(5);
  const pos = ['good', 'great', 'fine', 'fun', 'warm'];
  const neg = ['bad', 'dull', 'awful', 'weak', 'cold'];
  const line = () => {
    const label = rng.int(5);
    const words = label >= 3 ? pos : label <= 1 ? neg : ['film', 'movie', 'story'];
    const n = 2 + rng.int(6);
    return `${Array.from({ length: n }, () => (rng.next() < 0.6 ? words[rng.int(words.length)] : 'the')).join(' ')} ||| ${label}`;
  };
  const lines = (n: number) => `${Array.from({ length: n }, line).join('\n')}\n`;
  writeFileSync(join(dir, 'train.txt'), lines(200));
  writeFileSync(join(dir, 'dev.txt'), lines(40));
  writeFileSync(join(dir, 'test.txt'), lines(40));
  return dir;
}

describe('bilstm text models', () => {
  const settings = (type: string, extra: Array<[string, unknown]> = []) =>
    new Map<string, unknown>([['model.type', type], ['model.depth', 2], ['model.embedDim', 6], ['dataset.maxLength', 8], ...extra]);

  it('parameter counts (hand-derived) and equal parameters for plain vs highway at each depth', async () => {
    const { resolveConfig } = await import('../src/config/index.js');
    const { buildModel, countParams } = await import('../src/model/index.js');
    const { loadDataset } = await import('../src/data/index.js');
    const dir = tinySst();
    const ds = loadDataset({ name: `sst5:${dir}`, trainSize: null, testSize: null, maxLength: 8, binary: false }, 1);
    const V = ds.vocabSize!;
    const E = 6;
    const lstm = (d: number, h: number) => 2 * (4 * h * d + 4 * h * h + 4 * h);
    const hw = buildModel(resolveConfig(settings('highway-bilstm', [['model.width', 4]])).model, ds, 1);
    // per layer: BiLSTM 6 → 2·4, projection 8 → 6, gate 6 → 6; then logits 6 → 5
    expect(countParams(hw)).toBe(V * E + 2 * (lstm(E, 4) + (8 * E + E) + (E * E + E)) + (E * 5 + 5));
    hw.dispose();
    const pl = buildModel(resolveConfig(settings('plain-bilstm', [['model.width', 4]])).model, ds, 1);
    expect(countParams(pl)).toBe(V * E + lstm(E, 4) + lstm(8, 4) + (8 * 5 + 5));
    pl.dispose();
    // width null: the seed's equal-parameter comparison (highway 50 units per direction)
    for (const depth of [1, 2, 3, 5, 10]) {
      const body = (type: string) => {
        const c = resolveConfig(
          new Map<string, unknown>([
            ['model.type', type],
            ['model.depth', depth],
            ['model.embedDim', 64],
          ]),
        );
        const m = buildModel(c.model, { inputShape: [8], numClasses: 5, vocabSize: 10 }, 1);
        const n = countParams(m) - 10 * 64 - (m.getLayer('logits').countParams() as number);
        m.dispose();
        return n;
      };
      const [p, h] = [body('plain-bilstm'), body('highway-bilstm')];
      expect(Math.abs(p - h) / h).toBeLessThan(0.02);
    }
  });

  it('trains on a tiny corpus: loss falls, dev columns written, the epoch is chosen on dev, no tensor leak, save/load round trip', async () => {
    const { resolveConfig } = await import('../src/config/index.js');
    const { executeRun } = await import('../src/runs/run.js');
    const { initBackend } = await import('../src/backend/index.js');
    const { loadModel } = await import('../src/runs/model-io.js');
    const out = mkdtempSync(join(tmpdir(), 'bilstm-run-'));
    const c = resolveConfig(
      settings('highway-bilstm', [
        ['dataset.name', `sst5:${tinySst()}`],
        ['model.width', 4],
        ['train.optimizer', 'adam'],
        ['train.lr', 0.02],
        ['train.decay', 1],
        ['train.epochs', 6],
        ['train.batchSize', 20],
      ]),
    );
    const counts: number[] = [];
    const summary = await executeRun(c, { out, force: true, backend: await initBackend(), hooks: { onRow: () => counts.push(tf.memory().numTensors) } });
    expect(summary.status).toBe('completed');
    expect(new Set(counts.slice(1)).size).toBe(1);
    const lines = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    expect(header.slice(-2)).toEqual(['dev_loss', 'dev_acc']);
    const rows = lines.slice(1).map((l) => l.split(',').map(Number));
    const col = (name: string) => rows.map((r) => r[header.indexOf(name)]!);
    expect(col('train_loss')[6]!).toBeLessThan(col('train_loss')[0]! * 0.8);
    // the selected epoch: the first maximum of the dev_acc column, and the test accuracy there
    const dev = col('dev_acc');
    const e = dev.indexOf(Math.max(...dev));
    expect(summary.best!.devAccEpoch).toBe(e);
    expect(summary.best!.testAccAtBestDev).toBeCloseTo(col('test_acc')[e]!, 12);
    // with a dev split, nothing in the summary is chosen on test
    expect(summary.best).not.toHaveProperty('testAccChosenOnTest');
    const loaded = await loadModel(join(out, 'model'));
    expect(loaded.layers.map((l) => l.getClassName())).toContain('HighwayBiLSTM');
    loaded.dispose();
  });
});

describe('token batches cut to their longest sentence', () => {
  it('trimBatch keeps every real token and drops only all-padding columns', async () => {
    const { trimBatch, tokenLength } = await import('../src/data/sequences.js');
    const x = Float32Array.from([5, 6, 0, 0, 0, /**/ 7, 0, 3, 0, 0, /**/ 0, 0, 0, 0, 0]);
    expect([0, 1, 2].map((i) => tokenLength(x, i, 5))).toEqual([2, 3, 1]);
    const t = trimBatch(x, 3, 5);
    expect(t.len).toBe(3);
    expect(Array.from(t.x)).toEqual([5, 6, 0, 7, 0, 3, 0, 0, 0]);
  });

  it('evaluation sorted by length and cut equals evaluation at full length (bilstm and pooled)', async () => {
    const { resolveConfig } = await import('../src/config/index.js');
    const { buildModel, logitsModel } = await import('../src/model/index.js');
    const { loadDataset } = await import('../src/data/index.js');
    const { evaluate } = await import('../src/train/evaluate.js');
    const ds = loadDataset({ name: `sst5:${tinySst()}`, trainSize: null, testSize: null, maxLength: 8, binary: false }, 1);
    for (const type of ['highway-bilstm', 'plain-bilstm', 'highway-pooled']) {
      const m = buildModel(
        resolveConfig(
          new Map<string, unknown>([
            ['model.type', type],
            ['model.depth', 2],
            ['model.width', 4],
            ['model.embedDim', 6],
          ]),
        ).model,
        ds,
        1,
      );
      const lm = logitsModel(m);
      const full = evaluate(lm, ds.train, ds.inputShape, 5, 64);
      const cut = evaluate(lm, ds.train, ds.inputShape, 5, 64, { sequences: true });
      expect(cut.loss).toBeCloseTo(full.loss, 5);
      expect(cut.accuracy).toBe(full.accuracy);
      m.dispose();
    }
  });
});

describe('analysis of recurrent highway nets', () => {
  it('the analysis chain reproduces the model (masks included); gate means over real tokens; b_T −30 lesions to no change', async () => {
    const { resolveConfig } = await import('../src/config/index.js');
    const { buildModel, logitsModel } = await import('../src/model/index.js');
    const { loadDataset } = await import('../src/data/index.js');
    const { evaluate } = await import('../src/train/evaluate.js');
    const { analyzeModel } = await import('../src/analyze/gates.js');
    const ds = loadDataset({ name: `sst5:${tinySst()}`, trainSize: null, testSize: null, maxLength: 8, binary: false }, 1);
    const m = buildModel(
      resolveConfig(
        new Map<string, unknown>([
          ['model.type', 'highway-bilstm'],
          ['model.depth', 2],
          ['model.width', 4],
          ['model.embedDim', 6],
        ]),
      ).model,
      ds,
      1,
    );
    const a = analyzeModel(m, ds.train, ds.train, ds.inputShape, 5, 64, true);
    const direct = evaluate(logitsModel(m), ds.train, ds.inputShape, 5, 64);
    expect(a.base.loss).toBeCloseTo(direct.loss, 5);
    expect(a.base.accuracy).toBe(direct.accuracy);
    // layer 1's gate mean, recomputed: T at every real token of every sentence, averaged per sentence and unit
    const layer = m.getLayer('highway_0') as HighwayBiLSTM;
    const n = ds.train.n;
    const L = 8;
    const { t } = tf.tidy(() => {
      const ids = tf.tensor2d(ds.train.x, [n, L]);
      const emb = m.getLayer('embedding').apply(ids) as tf.Tensor3D;
      const g = layer.gateActivity(emb, false, tf.notEqual(ids, 0));
      return { t: Array.from(g.t.dataSync()) };
    });
    let total = 0;
    for (let i = 0; i < n; i++) {
      let real = 0;
      for (let p = 0; p < L; p++) real += ds.train.x[i * L + p] !== 0 ? 1 : 0;
      for (let u = 0; u < 6; u++) {
        let s = 0;
        for (let p = 0; p < L; p++) if (ds.train.x[i * L + p] !== 0) s += t[(i * L + p) * 6 + u]!;
        total += s / Math.max(1, real);
      }
    }
    expect(a.rows[0]!.gateMean).toBeCloseTo(total / (n * 6), 6);
    // a closed gate: lesioning that layer changes nothing
    const ws = layer.getWeights();
    layer.setWeights([...ws.slice(0, 5), tf.zerosLike(ws[5]!), tf.fill([6], -30)]);
    const closed = analyzeModel(m, ds.train, ds.train, ds.inputShape, 5, 64, true);
    expect(Math.abs(closed.lesion[0]!.loss - closed.base.loss)).toBeLessThan(1e-6);
    m.dispose();
  });
});
