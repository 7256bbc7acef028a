/** One split of a classification dataset, as flat typed arrays (row-major examples). */
export interface Split {
  /** n × prod(inputShape) values. */
  x: Float32Array;
  /** n labels in [0, numClasses). */
  y: Int32Array;
  n: number;
}

/** Every dataset looks like this to the rest of the program. */
export interface Dataset {
  /** The name as configured (`mnist`, `idx:/data/mnist`, …). */
  name: string;
  /** One line for people: what it is, where it came from, sizes. */
  description: string;
  /** Shape of one example, e.g. [28, 28, 1]. */
  inputShape: number[];
  numClasses: number;
  train: Split;
  test: Split;
  /** A validation split for model selection, where the dataset has one (SST-5). */
  dev?: Split;
  /** Token datasets: ids run from 0 (padding) and 1 (unknown word) to vocabSize − 1. */
  vocabSize?: number;
}

export function exampleSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
