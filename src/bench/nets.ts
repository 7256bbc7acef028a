/**
 * What `highway bench` times for each family of model types: the network's settings, the
 * optimiser, the default batch and depths, and random batches shaped like the family's data.
 * The PyTorch peer (bench/pytorch_reference.py) is given the same settings (peerArgs), so the
 * two sides build the same net; bench checks their parameter counts.
 *
 * - dense: the paper's Figure 1 net on MNIST-shaped vectors, SGD with momentum 0.9, batch 128;
 * - conv: the authors' MNIST conv net as configs/mnist-conv.json has it (width 16, stages
 *   [2, 3, 3], input dropout 0.2, b_T −1, Glorot init), with their optimiser (Nesterov 0.9, weight decay
 *   0.001) and batch 100, on 28×28×1 images; its depth is fixed by the stages;
 * - pooled and bilstm: SST-5-shaped token batches (the vocabulary SST-5's training set gives with
 *   minCount 2, sentence lengths drawn from its length distribution, each batch cut to its longest
 *   sentence as the trainer does) with configs/sst5-depth.json's settings (embeddings 64,
 *   dropout 0.5, Adam, gradient clipping 3, batch 50).
 */
import type { Carry, ModelType, OptimizerName, ResolvedConfig } from '../config/schema.js';
import { FAMILY_ORDER, kindOf, type Family } from '../base/kinds.js';
import type { Rng } from '../util/random.js';

export interface NetSpec {
  model: ModelType;
  depth: number;
  /** Highway types only: coupled (the paper, default) or independent carry. */
  carry?: Carry;
}

export interface TrainSettings {
  optimizer: OptimizerName;
  momentum: number;
  weightDecay: number;
  clipNorm: number | null;
}

/** One training batch: examples row-major, labels, and the examples' shape without the batch axis. */
export interface Batch {
  x: Float32Array;
  y: Int32Array;
  shape: number[];
}

interface FamilySetup {
  /** Config overrides (besides model.type, model.depth, model.carry). */
  config: Array<[string, unknown]>;
  train: TrainSettings;
  batchSize: number;
  depths: number[];
  numClasses: number;
  /** Shape of one example as the model is built for it (text: the longest sentence). */
  inputShape: number[];
  vocabSize?: number;
  /** Examples in the evaluation-throughput measurement (a conv net evaluates 1,000 digits in about a second). */
  evalExamples: number;
  batch(rng: Rng, batchSize: number): Batch;
}

/** SST-5's training set with minCount 2: 8,735 words + padding + unknown. */
export const SST5_VOCAB = 8737;
/** Longest sentence, in tokens, that the text nets are built for (the dataset's maxLength). */
const SST5_MAX_LENGTH = 50;
/**
 * Sentence lengths of SST-5's training set at the 0th, 5th, …, 100th percentile (8,544
 * sentences: median 18, mean 19.1, longest 52, cut to 50). A length is drawn by picking a
 * percentile uniformly and interpolating.
 */
const SST5_LENGTH_PERCENTILES = [2, 5, 7, 9, 11, 12, 13, 15, 16, 17, 18, 20, 21, 22, 24, 25, 27, 29, 32, 35, 50];

export function sst5Length(rng: Rng): number {
  const p = rng.next() * (SST5_LENGTH_PERCENTILES.length - 1);
  const i = Math.floor(p);
  const a = SST5_LENGTH_PERCENTILES[i]!;
  const b = SST5_LENGTH_PERCENTILES[Math.min(i + 1, SST5_LENGTH_PERCENTILES.length - 1)]!;
  return Math.max(1, Math.round(a + (b - a) * (p - i)));
}

const labels = (rng: Rng, n: number, classes: number) => Int32Array.from({ length: n }, () => rng.int(classes));

const image =
  (shape: number[]) =>
  (rng: Rng, n: number): Batch => {
    const size = shape.reduce((a, b) => a * b, 1);
    return { x: Float32Array.from({ length: n * size }, () => rng.next()), y: labels(rng, n, 10), shape };
  };

/** n sentences of random word ids (ids ≥ 2: neither padding nor the unknown word), cut to the longest. */
function sentences(rng: Rng, n: number): Batch {
  const lengths = Array.from({ length: n }, () => sst5Length(rng));
  const len = Math.max(...lengths);
  const x = new Float32Array(n * len);
  lengths.forEach((l, r) => {
    for (let j = 0; j < l; j++) x[r * len + j] = 2 + rng.int(SST5_VOCAB - 2);
  });
  return { x, y: labels(rng, n, 5), shape: [len] };
}

const TEXT: FamilySetup = {
  config: [
    ['model.embedDim', 64],
    ['model.inputDropout', 0.5],
    ['model.gateBias', -2],
  ],
  train: { optimizer: 'adam', momentum: 0.9, weightDecay: 0, clipNorm: 3 },
  batchSize: 50,
  depths: [10, 20, 50, 100],
  numClasses: 5,
  inputShape: [SST5_MAX_LENGTH],
  vocabSize: SST5_VOCAB,
  evalExamples: 1000,
  batch: sentences,
};

const FAMILIES: Record<Family, FamilySetup> = {
  dense: {
    config: [],
    train: { optimizer: 'sgd', momentum: 0.9, weightDecay: 0, clipNorm: null },
    batchSize: 128,
    depths: [10, 20, 50, 100],
    numClasses: 10,
    inputShape: [784],
    evalExamples: 4000,
    batch: image([784]),
  },
  conv: {
    config: [
      ['model.width', 16],
      ['model.convBlocks', [2, 3, 3]],
      ['model.inputDropout', 0.2],
      ['model.gateBias', -1],
      ['model.init', 'glorot_uniform'],
    ],
    train: { optimizer: 'nesterov', momentum: 0.9, weightDecay: 0.001, clipNorm: null },
    batchSize: 100,
    depths: [9],
    numClasses: 10,
    inputShape: [28, 28, 1],
    evalExamples: 1000,
    batch: image([28, 28, 1]),
  },
  pooled: TEXT,
  bilstm: { ...TEXT, depths: [1, 5, 10] },
};

export const familySetup = (model: ModelType): FamilySetup => FAMILIES[kindOf(model).family];

/** The families' defaults of one setting, for --help: "dense 128, conv 100, pooled and bilstm 50". */
export function defaultsByFamily(pick: (s: FamilySetup) => number | readonly number[]): string {
  const groups = new Map<string, Family[]>();
  for (const f of FAMILY_ORDER) {
    const value = String(pick(FAMILIES[f]));
    groups.set(value, [...(groups.get(value) ?? []), f]);
  }
  return [...groups].map(([value, families]) => `${families.join(' and ')} ${value}`).join(', ');
}

/** The depths timed for a type: conv nets have one (their stages fix it), others those asked for or the family's defaults. */
export function depthsFor(model: ModelType, asked: number[] | undefined): number[] {
  const setup = familySetup(model);
  return kindOf(model).family === 'conv' ? setup.depths : (asked ?? setup.depths);
}

export function netName(n: NetSpec): string {
  return `${n.model}${n.carry === 'independent' ? ':independent' : ''}-d${n.depth}`;
}

/** The config entries that build the net: type, depth, carry and the family's settings. */
export function netConfig(n: NetSpec): Map<string, unknown> {
  const entries: Array<[string, unknown]> = [['model.type', n.model], ...familySetup(n.model).config];
  if (kindOf(n.model).family !== 'conv') entries.push(['model.depth', n.depth]);
  if (n.carry) entries.push(['model.carry', n.carry]);
  return new Map(entries);
}

/** The PyTorch peer's arguments for the same net (model and train settings; batch and timing are added by the caller). */
export function peerArgs(n: NetSpec, cfg: ResolvedConfig, batches: Batch[]): string[] {
  const m = cfg.model;
  const setup = familySetup(n.model);
  const args = ['--model', n.model, '--depth', String(m.depth), '--width', String(m.width)];
  args.push('--gate-bias', String(m.gateBias), '--carry', m.carry, '--input-dropout', String(m.inputDropout), '--init', m.init);
  args.push('--optimizer', setup.train.optimizer, '--momentum', String(setup.train.momentum), '--weight-decay', String(setup.train.weightDecay));
  if (setup.train.clipNorm !== null) args.push('--clip-norm', String(setup.train.clipNorm));
  const family = kindOf(n.model).family;
  if (family === 'conv') args.push('--conv-blocks', (m.convBlocks ?? []).join(','));
  if (family === 'pooled' || family === 'bilstm') {
    // the peer builds the same token batches: every sentence's length, batch by batch
    const lengths = batches.map((b) => Array.from({ length: b.y.length }, (_, r) => tokensOf(b, r)).join(','));
    args.push('--embed-dim', String(m.embedDim), '--vocab', String(setup.vocabSize), '--lengths', lengths.join(';'));
  }
  return args;
}

/** Real tokens of row r of a token batch (ids before the padding). */
function tokensOf(b: Batch, r: number): number {
  const len = b.shape[0]!;
  let n = len;
  while (n > 1 && b.x[r * len + n - 1] === 0) n--;
  return n;
}
