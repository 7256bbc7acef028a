import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig, type ResolvedConfig } from '../src/config/index.js';
import { initBackend } from '../src/backend/index.js';
import { executeRun } from '../src/runs/run.js';
import { loadModel } from '../src/runs/model-io.js';
import { loadDataset } from '../src/data/index.js';
import { buildModel, logitsModel } from '../src/model/index.js';
import { trainModel, evaluate, type EpochRow } from '../src/train/index.js';
import { patienceStop } from '../src/train/loop.js';

const cfgOf = (over: Record<string, unknown>): ResolvedConfig =>
  resolveConfig(
    new Map<string, unknown>(
      Object.entries({
        'dataset.name': 'synthetic',
        'dataset.trainSize': 256,
        'dataset.testSize': 64,
        'model.depth': 6,
        'model.width': 16,
        'train.epochs': 4,
        'train.batchSize': 32,
        'train.lr': 0.05,
        ...over,
      }),
    ),
  );

const tmp = () => mkdtempSync(join(tmpdir(), 'highway-run-'));
const readCsv = (f: string) =>
  readFileSync(f, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));

describe('training', () => {
  it('a small highway net on synthetic data lowers its full-training-set loss', async () => {
    const backend = await initBackend('auto');
    const out = join(tmp(), 'run');
    const s = await executeRun(cfgOf({ 'train.epochs': 6 }), { out, force: false, backend });
    expect(s.status).toBe('completed');
    const rows = readCsv(join(out, 'metrics.csv'));
    const first = Number(rows[1]![1]);
    const last = Number(rows[rows.length - 1]![1]);
    expect(last).toBeLessThan(first * 0.7);
  });

  it('the CSV loss is the full-training-set cross-entropy (recomputed in float64 from the saved model)', async () => {
    const backend = await initBackend('auto');
    const out = join(tmp(), 'run');
    const cfg = cfgOf({ 'train.epochs': 2 });
    await executeRun(cfg, { out, force: false, backend });
    const rows = readCsv(join(out, 'metrics.csv'));
    const csvLoss = Number(rows[rows.length - 1]![1]);
    const model = await loadModel(join(out, 'model'));
    const data = loadDataset(cfg.dataset, cfg.train.seed);
    const probs = tf.tidy(() => (model.predict(tf.tensor2d(data.train.x, [data.train.n, 16])) as tf.Tensor).arraySync()) as number[][];
    const ce = probs.reduce((s, p, i) => s - Math.log(p[data.train.y[i]!]!), 0) / data.train.n;
    expect(Math.abs(ce - csvLoss) / ce).toBeLessThan(1e-4);
    model.dispose();
  });

  it('same seed, same backend → identical loss and accuracy columns; another seed differs', async () => {
    const backend = await initBackend('auto');
    const runs = await Promise.all(
      [1, 1, 2].map(async (seed) => {
        const out = join(tmp(), 'run');
        await executeRun(cfgOf({ 'train.seed': seed }), { out, force: false, backend });
        return readCsv(join(out, 'metrics.csv')).map((r) => r.slice(0, 6).join(','));
      }),
    );
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]).not.toEqual(runs[2]);
  });

  it('writes the header, one row per epoch plus epoch 0, summary and config', async () => {
    const backend = await initBackend('auto');
    const out = join(tmp(), 'run');
    await executeRun(cfgOf({ 'train.epochs': 3 }), { out, force: false, backend });
    const rows = readCsv(join(out, 'metrics.csv'));
    expect(rows[0]!.slice(0, 7).join(',')).toBe('epoch,train_loss,train_acc,test_loss,test_acc,lr,seconds');
    expect(rows.length).toBe(1 + 4);
    expect(rows.map((r) => r[0])).toEqual(['epoch', '0', '1', '2', '3']);
    expect(rows[1]![5]).toBe('');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ status: 'completed', epochs: 3, params: 16 * 16 + 16 + 5 * 2 * (16 * 16 + 16) + 16 * 4 + 4 });
    expect(summary.steps).toBe(3 * Math.ceil(256 / 32));
    // no dev split: the best test accuracy is there, named for being chosen on test
    const testAcc = rows.slice(1).map((r) => Number(r[4]));
    expect(summary.best.testAccChosenOnTest).toBe(Math.max(...testAcc));
    expect(testAcc[summary.best.testAccChosenOnTestEpoch]).toBe(Math.max(...testAcc));
    expect(summary.best).not.toHaveProperty('testAcc');
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.model).toMatchObject({ type: 'highway', depth: 6, width: 16, gateBias: -1 });
    expect(config.run).toMatchObject({ backend: backend.name, seed: 1 });
    expect(config.run.versions['tfjs-core']).toBe(tf.version_core);
  });

  it('the learning rate decays per epoch: lr · decay^(e−1) in the CSV', async () => {
    const backend = await initBackend('auto');
    const out = join(tmp(), 'run');
    await executeRun(cfgOf({ 'train.epochs': 3, 'train.decay': 0.5, 'train.lr': 0.08 }), { out, force: false, backend });
    expect(
      readCsv(join(out, 'metrics.csv'))
        .slice(1)
        .map((r) => r[5]),
    ).toEqual(['', '0.08', '0.04', '0.02']);
  });

  it('--epochs 0 evaluates the initial network only', async () => {
    const backend = await initBackend('auto');
    const out = join(tmp(), 'run');
    const s = await executeRun(cfgOf({ 'train.epochs': 0 }), { out, force: false, backend });
    expect(s.status).toBe('completed');
    expect(readCsv(join(out, 'metrics.csv')).length).toBe(2);
  });

  it('a huge learning rate without clipping diverges: status diverged, rows so far kept', async () => {
    const backend = await initBackend('auto');
    const out = join(tmp(), 'run');
    const s = await executeRun(cfgOf({ 'train.lr': 1e6, 'train.epochs': 5, 'train.clipNorm': null, 'model.type': 'plain', 'model.init': 'glorot_uniform' }), {
      out,
      force: false,
      backend,
    });
    expect(s.status).toBe('diverged');
    const rows = readCsv(join(out, 'metrics.csv'));
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows[rows.length - 1]![1]).toBe('NaN');
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).status).toBe('diverged');
  });

  it('refuses to overwrite an existing run folder unless forced', async () => {
    const backend = await initBackend('auto');
    const out = join(tmp(), 'run');
    await executeRun(cfgOf({ 'train.epochs': 0 }), { out, force: false, backend });
    await expect(executeRun(cfgOf({ 'train.epochs': 0 }), { out, force: false, backend })).rejects.toThrow(/already exists; pass --force/);
    await expect(executeRun(cfgOf({ 'train.epochs': 0 }), { out, force: true, backend })).resolves.toMatchObject({ status: 'completed' });
  });

  it('a stop request after an epoch ends the run as interrupted with that epoch written', async () => {
    const cfg = cfgOf({ 'train.epochs': 5 });
    const data = loadDataset(cfg.dataset, 1);
    const model = buildModel(cfg.model, data, 1);
    // Ctrl-C arrives in the middle of epoch 3: epoch 3 finishes and is written, then the run stops
    let requested = false;
    const r = await trainModel(logitsModel(model), data, cfg.train, {
      progressEvery: 1,
      onProgress: (p) => {
        if (p.epoch === 3 && p.step === 2) requested = true;
      },
      stopRequested: () => (requested ? 'after-epoch' : 'no'),
    });
    expect(r.status).toBe('interrupted');
    expect(r.rows.map((x) => x.epoch)).toEqual([0, 1, 2, 3]);
    // a second Ctrl-C stops at once, without a partial row
    let steps = 0;
    const now = await trainModel(logitsModel(model), data, cfg.train, {
      progressEvery: 1,
      onProgress: () => steps++,
      stopRequested: () => (steps >= 3 ? 'now' : 'no'),
    });
    expect(now.status).toBe('interrupted');
    expect(now.rows.map((x) => x.epoch)).toEqual([0]);
    model.dispose();
  });

  for (const optimizer of ['sgd', 'nesterov', 'adam'] as const) {
    it(`tf.memory().numTensors stays flat across epochs (${optimizer})`, async () => {
      const cfg = cfgOf({ 'train.epochs': 5, 'train.optimizer': optimizer, 'model.carry': 'independent', 'train.lr': 0.01 });
      const data = loadDataset(cfg.dataset, 1);
      const model = buildModel(cfg.model, data, 1);
      const logits = logitsModel(model);
      const counts: number[] = [];
      const before = tf.memory().numTensors;
      await trainModel(logits, data, cfg.train, { onRow: () => counts.push(tf.memory().numTensors) });
      // epoch 0 precedes the optimiser's slot variables; from epoch 1 on the count must not move
      expect(new Set(counts.slice(1)).size).toBe(1);
      expect(tf.memory().numTensors).toBe(before);
      // evaluation alone creates nothing either
      const n = tf.memory().numTensors;
      evaluate(logits, data.train, data.inputShape, data.numClasses, 100);
      expect(tf.memory().numTensors).toBe(n);
      model.dispose();
    });
  }
});

describe('train.patience', () => {
  const row = (epoch: number, trainLoss: number, devLoss: number | null = null) =>
    ({ epoch, trainLoss, trainAcc: 0, testLoss: 0, testAcc: 0, devLoss, devAcc: null, lr: null, seconds: 0, evalSeconds: 0 }) as EpochRow;
  const cfg = (patience: number | null, patienceMetric = 'auto') => ({ ...cfgOf({}).train, patience, patienceMetric }) as ResolvedConfig['train'];

  it('stops once the watched metric has not improved for `patience` epochs, counting from its best epoch', () => {
    const rows = [row(0, 2.3), row(1, 1.0), row(2, 0.5), row(3, 0.6), row(4, 0.5)];
    // best train_loss 0.5 at epoch 2 (a tie later is no improvement): 2 epochs without one
    expect(patienceStop(rows.slice(0, 4), cfg(2), false)).toBeNull();
    expect(patienceStop(rows, cfg(2), false)).toMatchObject({ epoch: 4, metric: 'train_loss', bestEpoch: 2 });
    expect(patienceStop(rows, cfg(3), false)).toBeNull();
    expect(patienceStop(rows, cfg(null), false)).toBeNull();
    // auto watches dev_loss where there is a validation split: best at epoch 1 here
    const dev = [row(0, 2.3, 2.0), row(1, 1.0, 1.1), row(2, 0.5, 1.2), row(3, 0.4, 1.3)];
    expect(patienceStop(dev, cfg(2), true)).toMatchObject({ metric: 'dev_loss', bestEpoch: 1 });
    expect(() => patienceStop(rows, cfg(1, 'dev_loss'), false)).toThrow(/train.patienceMetric: "dev_loss" has no value/);
  });

  it('a run whose accuracy stalls stops with status stopped and the reason; metrics.jsonl has every row', async () => {
    const backend = await initBackend('auto');
    const out = join(tmp(), 'run');
    // a learning rate of 1e-9 changes no prediction: training accuracy never improves after epoch 0
    const s = await executeRun(cfgOf({ 'train.lr': 1e-9, 'train.epochs': 10, 'train.patience': 2, 'train.patienceMetric': 'train_acc' }), {
      out,
      force: false,
      backend,
    });
    expect(s.status).toBe('stopped');
    expect(s.epochs).toBe(2);
    expect(s.stopped?.reason).toMatch(/no better train_acc for 2 epochs \(best .* at epoch 0; train.patience 2\)/);
    const jsonl = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(jsonl.map((r) => r.epoch)).toEqual([0, 1, 2]);
    const csv = readCsv(join(out, 'metrics.csv'));
    expect(jsonl.map((r) => String(r.train_loss))).toEqual(csv.slice(1).map((r) => r[1]));
  });
});
