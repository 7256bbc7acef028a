import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/data/index.js';
import { PAD, UNK, buildVocab, parseSst } from '../src/data/sst5.js';

const cfg = (dir: string, over: { maxLength?: number; binary?: boolean; minCount?: number } = {}) => ({
  name: `sst5:${dir}`,
  trainSize: null,
  testSize: null,
  maxLength: over.maxLength ?? 6,
  binary: over.binary ?? false,
  minCount: over.minCount ?? 1,
});

/** The real sentences, beside the repository on this project's machines (never committed). */
const shared = resolve(fileURLToPath(new URL('../..', import.meta.url)), 'shared/data/sst5');
const present = existsSync(join(shared, 'train.txt'));
if (!present) console.log(`SST-5 data not found at ${shared}: skipping the three real-data tests`);

function tinyFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sst5-'));
  writeFileSync(join(dir, 'train.txt'), 'a good film . ||| 4\na bad film ||| 0\nthe film is a film ||| 2\n');
  writeFileSync(join(dir, 'dev.txt'), 'a great film ||| 3\n');
  writeFileSync(join(dir, 'test.txt'), 'bad bad bad bad bad bad bad bad ||| 1\n\n');
  return dir;
}

describe('SST-5 loader', () => {
  it('vocabulary from train by frequency (ties alphabetical); ids 0 = padding, 1 = unknown', () => {
    const v = buildVocab(parseSst('a good film . ||| 4\na bad film ||| 0\nthe film is a film ||| 2\n', 't'));
    // counts: film 4, a 3, then ".", bad, good, is, the once each (alphabetical)
    expect([...v.entries()]).toEqual([
      ['film', 2],
      ['a', 3],
      ['.', 4],
      ['bad', 5],
      ['good', 6],
      ['is', 7],
      ['the', 8],
    ]);
    expect([PAD, UNK]).toEqual([0, 1]);
  });

  it('encodes with unknown words, padding and truncation; five classes; a dev split', () => {
    const ds = loadDataset(cfg(tinyFolder()), 1);
    expect([ds.train.n, ds.dev!.n, ds.test.n, ds.numClasses, ds.vocabSize]).toEqual([3, 1, 1, 5, 9]);
    expect(ds.inputShape).toEqual([6]);
    expect(Array.from(ds.train.x.subarray(0, 6))).toEqual([3, 6, 2, 4, 0, 0]); // a good film . + padding
    expect(Array.from(ds.dev!.x)).toEqual([3, 1, 2, 0, 0, 0]); // "great" is not in train
    expect(Array.from(ds.test.x)).toEqual([5, 5, 5, 5, 5, 5]); // cut to 6 tokens
    expect(Array.from(ds.train.y)).toEqual([4, 0, 2]);
  });

  it('minCount 2 (the default): train words seen once map to the unknown word, so it occurs in training', () => {
    const ds = loadDataset(cfg(tinyFolder(), { minCount: 2 }), 1);
    // kept: film (4×) → 2, a (3×) → 3; ".", bad, good, is, the (once each) → unknown (1)
    expect(ds.vocabSize).toBe(4);
    expect(Array.from(ds.train.x)).toEqual([3, 1, 2, 1, 0, 0, 3, 1, 2, 0, 0, 0, 1, 2, 1, 3, 2, 0]);
    expect(Array.from(ds.dev!.x)).toEqual([3, 1, 2, 0, 0, 0]);
    expect(Array.from(ds.test.x)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(buildVocab(parseSst('x y y ||| 1\n', 't'), 3).size).toBe(0);
  });

  it('binary: neutral dropped, 0/1 → 0 and 3/4 → 1', () => {
    const ds = loadDataset(cfg(tinyFolder(), { binary: true }), 1);
    expect(ds.numClasses).toBe(2);
    expect(Array.from(ds.train.y)).toEqual([1, 0]);
    expect(Array.from(ds.dev!.y)).toEqual([1]);
    expect(Array.from(ds.test.y)).toEqual([0]);
  });

  it('malformed lines and missing files name the file and line', () => {
    const dir = tinyFolder();
    writeFileSync(join(dir, 'dev.txt'), 'fine ||| 3\nno label here\n');
    expect(() => loadDataset(cfg(dir), 1)).toThrow(/dev\.txt:2: expected "<tokens> \|\|\| <label 0-4>"/);
    writeFileSync(join(dir, 'dev.txt'), 'fine ||| 7\n');
    expect(() => loadDataset(cfg(dir), 1)).toThrow(/dev\.txt:1: label must be a digit 0-4, got "7"/);
    expect(() => loadDataset(cfg(join(dir, 'nope')), 1)).toThrow(/folder .*nope does not exist/);
  });

  // the real data this project's machines have beside the repository (never committed here)
  it.runIf(present)('reads ../shared/data/sst5: 8544 / 1101 / 2210 sentences, train labels 1092/2218/1624/2322/1288', () => {
    const ds = loadDataset(cfg(shared, { maxLength: 50 }), 1);
    expect([ds.train.n, ds.dev!.n, ds.test.n]).toEqual([8544, 1101, 2210]);
    expect([0, 1, 2, 3, 4].map((c) => ds.train.y.filter((y) => y === c).length)).toEqual([1092, 2218, 1624, 2322, 1288]);
    expect(ds.vocabSize).toBeGreaterThan(10_000);
  });
});

describe('pooled-embedding text models', () => {
  it('parameter count: embedding V·E, then the dense stack from E (hand-derived)', async () => {
    const { resolveConfig } = await import('../src/config/index.js');
    const { buildModel, countParams } = await import('../src/model/index.js');
    const ds = loadDataset(cfg(tinyFolder()), 1);
    for (const [type, gates] of [
      ['highway-pooled', 2],
      ['plain-pooled', 1],
    ] as const) {
      const c = resolveConfig(
        new Map<string, unknown>([
          ['model.type', type],
          ['model.depth', 3],
          ['model.width', 8],
          ['model.embedDim', 5],
        ]),
      );
      const m = buildModel(c.model, ds, 1);
      const V = 9;
      const stack = gates === 2 ? 2 * 2 * (64 + 8) : 2 * (64 + 8);
      expect(countParams(m)).toBe(V * 5 + (5 * 8 + 8) + stack + (8 * 5 + 5));
      m.dispose();
    }
    const { buildModel: b } = await import('../src/model/index.js');
    expect(() => b(resolveConfig(new Map([['model.type', 'highway-pooled']])).model, { inputShape: [28, 28, 1], numClasses: 10 }, 1)).toThrow(
      /needs a token dataset/,
    );
  });

  it.runIf(present).each(['highway-pooled', 'highway-bilstm'])(
    'a short %s run on 300 SST-5 sentences lowers the training loss (embedding gradients on this backend)',
    async (type) => {
      const { resolveConfig } = await import('../src/config/index.js');
      const { buildModel, logitsModel } = await import('../src/model/index.js');
      const { trainModel } = await import('../src/train/index.js');
      const c = resolveConfig(
        new Map<string, unknown>([
          ['dataset.name', `sst5:${shared}`],
          ['dataset.trainSize', 300],
          ['dataset.testSize', 100],
          ['dataset.maxLength', 20],
          ['model.type', type],
          ['model.depth', 3],
          ['model.width', 16],
          ['model.embedDim', 16],
          ['train.optimizer', 'adam'],
          ['train.lr', 0.01],
          ['train.decay', 1],
          ['train.epochs', 5],
          ['train.batchSize', 30],
        ]),
      );
      const ds = loadDataset(c.dataset, 1);
      const m = buildModel(c.model, ds, 1);
      const r = await trainModel(logitsModel(m), ds, c.train);
      expect(r.status).toBe('completed');
      expect(r.rows[5]!.trainLoss).toBeLessThan(r.rows[0]!.trainLoss * 0.8);
      m.dispose();
    },
  );
});
