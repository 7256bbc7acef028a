import type { DatasetConfig } from '../config/schema.js';
import { UserError } from '../errors.js';
import { didYouMean } from '../util/strings.js';
import { FASHION_MNIST_DIR, loadIdxFolder } from './idx.js';
import { loadMnist } from './mnist.js';
import { balancedSubset } from './subset.js';
import { loadSynthetic } from './synthetic.js';
import { loadSst5 } from './sst5.js';
import type { Dataset } from './types.js';

export type { Dataset, Split } from './types.js';
export { exampleSize } from './types.js';
export { readIdx, loadIdxFolder, FASHION_MNIST_DIR } from './idx.js';

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'idx:<dir>', 'sst5:<dir>', 'synthetic'];

/** Load the configured dataset, then take the class-balanced subsets it asks for. */
export function loadDataset(cfg: DatasetConfig, seed: number): Dataset {
  const name = cfg.name;
  let ds: Dataset;
  if (name === 'mnist') ds = loadMnist();
  else if (name === 'fashion-mnist') ds = loadIdxFolder(FASHION_MNIST_DIR, 'fashion-mnist');
  else if (name.startsWith('idx:')) {
    const dir = name.slice(4);
    if (!dir) throw new UserError('dataset.name: "idx:" needs a folder, e.g. idx:/data/mnist');
    ds = loadIdxFolder(dir, name);
  } else if (name.startsWith('sst5:')) {
    const dir = name.slice(5);
    if (!dir) throw new UserError('dataset.name: "sst5:" needs a folder, e.g. sst5:../shared/data/sst5');
    ds = loadSst5(dir, cfg.maxLength, cfg.binary, cfg.minCount);
  } else if (name === 'synthetic') {
    return loadSynthetic(seed, cfg.trainSize ?? undefined, cfg.testSize ?? undefined);
  } else {
    throw new UserError(
      `dataset.name: unknown dataset "${name}"; expected one of ${DATASET_NAMES.join(', ')}${didYouMean(name, ['mnist', 'fashion-mnist', 'synthetic'])}`,
    );
  }
  const train = cfg.trainSize === null ? ds.train : balancedSubset(ds.train, cfg.trainSize, ds.numClasses, 'dataset.trainSize');
  const test = cfg.testSize === null ? ds.test : balancedSubset(ds.test, cfg.testSize, ds.numClasses, 'dataset.testSize');
  if (train === ds.train && test === ds.test) return ds;
  return { ...ds, train, test, description: `${ds.description}; subset ${train.n} train / ${test.n} test (class-balanced)` };
}
