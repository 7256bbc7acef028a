import { Rng, deriveSeed } from '../util/random.js';
import type { Dataset, Split } from './types.js';

const DIM = 16;
const CLASSES = 4;

/**
 * Seeded, small and fast: 4 Gaussian classes in 16 dimensions whose means lie close enough
 * that a linear model does not separate them perfectly. For tests and smoke runs.
 */
export function loadSynthetic(seed: number, trainSize = 512, testSize = 256): Dataset {
  const rng = new Rng(deriveSeed(seed, 'synthetic'));
  const means = Array.from({ length: CLASSES }, () => Array.from({ length: DIM }, () => rng.normal() * 0.8));
  const make = (n: number): Split => {
    const x = new Float32Array(n * DIM);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % CLASSES;
      y[i] = c;
      for (let j = 0; j < DIM; j++) x[i * DIM + j] = means[c]![j]! + rng.normal();
    }
    return { x, y, n };
  };
  const train = make(trainSize);
  const test = make(testSize);
  return {
    name: 'synthetic',
    description: `synthetic Gaussian classes (seed ${seed}): ${train.n} train / ${test.n} test, ${DIM} features, ${CLASSES} classes`,
    inputShape: [DIM],
    numClasses: CLASSES,
    train,
    test,
  };
}
