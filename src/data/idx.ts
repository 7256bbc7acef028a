import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../errors.js';
import { readDataFile } from './read-file.js';
import type { Dataset, Split } from './types.js';

/** Debian's `dataset-fashion-mnist` installs here. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const IMAGES_MAGIC = 0x00000803; // unsigned bytes, 3 dimensions
const LABELS_MAGIC = 0x00000801; // unsigned bytes, 1 dimension

/** Parse one IDX file (plain or gzip) into its dimensions and raw bytes. */
export function readIdx(file: string, expectMagic: number): { dims: number[]; data: Uint8Array } {
  let buf: Buffer = readDataFile(file);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new UserError(`${file}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
  if (buf.length < 4) throw new UserError(`${file}: truncated IDX file (${buf.length} bytes, no header)`);
  const magic = buf.readUInt32BE(0);
  if (magic !== expectMagic) {
    const what = expectMagic === IMAGES_MAGIC ? 'images (ubyte, 3 dims)' : 'labels (ubyte, 1 dim)';
    throw new UserError(`${file}: bad magic number ${hex(magic)}, expected ${hex(expectMagic)} for IDX ${what}`);
  }
  const ndim = magic & 0xff;
  const headerLen = 4 + 4 * ndim;
  if (buf.length < headerLen) throw new UserError(`${file}: truncated IDX header`);
  const dims = Array.from({ length: ndim }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const have = buf.length - headerLen;
  if (have !== expected) {
    throw new UserError(
      `${file}: header says [${dims.join(' × ')}] = ${expected} bytes of data, file has ${have} (${have < expected ? 'truncated' : 'trailing bytes'})`,
    );
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + headerLen, expected) };
}

/** Byte → [0, 1]: the same float32 as byte / 255, looked up instead of divided. */
const PIXEL = Float32Array.from({ length: 256 }, (_, b) => b / 255);

function findFile(dir: string, stem: string): string {
  const candidates = [stem, `${stem}.gz`, stem.replace('-idx', '.idx'), `${stem.replace('-idx', '.idx')}.gz`];
  for (const c of candidates) if (existsSync(join(dir, c))) return join(dir, c);
  throw new UserError(
    `${dir}: missing ${stem} (or ${stem}.gz); an IDX folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte`,
  );
}

function readSplit(dir: string, prefix: 'train' | 't10k'): { split: Split; rows: number; cols: number; maxLabel: number } {
  const imgFile = findFile(dir, `${prefix}-images-idx3-ubyte`);
  const lblFile = findFile(dir, `${prefix}-labels-idx1-ubyte`);
  const img = readIdx(imgFile, IMAGES_MAGIC);
  const lbl = readIdx(lblFile, LABELS_MAGIC);
  const [n, rows, cols] = img.dims as [number, number, number];
  if (lbl.dims[0] !== n) throw new UserError(`${lblFile}: ${lbl.dims[0]} labels but ${imgFile} has ${n} images`);
  // an empty split would train on nothing (or test on nothing) and read as a diverged run
  if (n === 0) throw new UserError(`${imgFile}: holds 0 images; the ${prefix === 'train' ? 'training' : 'test'} split needs at least one`);
  const x = new Float32Array(img.data.length);
  for (let i = 0; i < x.length; i++) x[i] = PIXEL[img.data[i]!]!;
  const y = Int32Array.from(lbl.data);
  return { split: { x, y, n }, rows, cols, maxLabel: y.reduce((m, v) => Math.max(m, v), 0) };
}

/**
 * The last folder read, kept for the next run in the same process (a sweep worker runs one run
 * after another: MNIST's 60,000 images take about a second to read and convert). Keyed by the
 * files' sizes and times, so a changed file is read again. Callers never write into the arrays.
 */
let lastRead: { key: string; dataset: Dataset } | null = null;

function folderKey(dir: string, name: string): string {
  const stamp = (f: string) => {
    const s = statSync(f);
    return `${f}:${s.size}:${s.mtimeMs}`;
  };
  const files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map((f) => findFile(dir, f));
  return [name, ...files.map(stamp)].join('|');
}

/** A folder of standard IDX files: the full MNIST (60k/10k), Fashion-MNIST, KMNIST, … */
export function loadIdxFolder(dir: string, name = `idx:${dir}`): Dataset {
  if (existsSync(dir) && statSync(dir).isDirectory()) {
    const key = folderKey(dir, name);
    if (lastRead?.key === key) return lastRead.dataset;
    const dataset = readIdxFolder(dir, name);
    lastRead = { key, dataset };
    return dataset;
  }
  return readIdxFolder(dir, name);
}

function readIdxFolder(dir: string, name: string): Dataset {
  if (!existsSync(dir)) {
    if (dir === FASHION_MNIST_DIR) {
      throw new UserError(
        `dataset "fashion-mnist": ${dir} does not exist; install it with \`apt-get install dataset-fashion-mnist\` (Debian) or use idx:<dir> with your own copy`,
      );
    }
    throw new UserError(`dataset "${name}": folder ${dir} does not exist`);
  }
  const train = readSplit(dir, 'train');
  const test = readSplit(dir, 't10k');
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new UserError(`${dir}: train images are ${train.rows}×${train.cols} but test images are ${test.rows}×${test.cols}`);
  }
  const numClasses = Math.max(train.maxLabel, test.maxLabel) + 1;
  return {
    name,
    description: `IDX folder ${dir}: ${train.split.n} train / ${test.split.n} test, ${train.rows}×${train.cols}, ${numClasses} classes`,
    inputShape: [train.rows, train.cols, 1],
    numClasses,
    train: train.split,
    test: test.split,
  };
}
