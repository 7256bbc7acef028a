/**
 * The one schema: every config field with its type, range, default and help text.
 * Validation, defaults, `--set path=value` coercion, unknown-key suggestions and the
 * README's field list all read this table, so a field is added in one place.
 */

import { ACTIVATIONS, CARRIES, INITS, type Activation, type Carry, type InitName } from '../layers/vocabulary.js';
import { MODEL_TYPES, type ModelType } from '../model/kinds.js';
import { RESIDUAL_FORMS, type ResidualForm } from '../layers/vocabulary.js';

export { ACTIVATIONS, CARRIES, INITS, MODEL_TYPES, type Activation, type Carry, type InitName, type ModelType };
export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export const TRANSITIONS = ['project', 'pad', 'subsample'] as const;
export const OPTIMIZERS = ['sgd', 'nesterov', 'adam'] as const;
export const RESIDUAL_INITS = ['fixup', 'standard'] as const;
export { RESIDUAL_FORMS, type ResidualForm };
export type ResidualInit = (typeof RESIDUAL_INITS)[number];

export type BackendName = (typeof BACKENDS)[number];
export type Transition = (typeof TRANSITIONS)[number];
export type OptimizerName = (typeof OPTIMIZERS)[number];

export interface DatasetConfig {
  /** `mnist` | `synthetic` | `fashion-mnist` | `idx:<dir>` */
  name: string;
  trainSize: number | null;
  testSize: number | null;
  /** Text datasets: sentences are cut or padded to this many tokens. */
  maxLength: number;
  /** SST-5 only: drop neutral (2) and map 0/1 → negative, 3/4 → positive, as the seed did. */
  binary: boolean;
  /** Text datasets: train words seen fewer times map to the unknown word (which is then trained). */
  minCount: number;
}

export interface ModelConfig {
  type: ModelType;
  depth: number;
  /** null = the paper's equal-parameter pairing: 71 for plain, 50 for highway. */
  width: number | null;
  widths: number[] | null;
  /** Conv types: highway (or plain) 3×3 layers per stage, stages separated by 3/2 max-pooling. */
  convBlocks: number[] | null;
  /** Dropout rate on the input (the authors' conv nets: 0.2). */
  inputDropout: number;
  /** Text types: word-embedding size. */
  embedDim: number;
  activation: Activation;
  /** A number, or "auto": the paper's depth rule (see autoGateBias), resolved before any run. */
  gateBias: number | 'auto';
  carry: Carry;
  carryBias: number;
  init: InitName;
  /** Residual kinds: fixup (He × L^(−1/2) then a zero second layer per block) or standard (model.init for both). */
  residualInit: ResidualInit;
  /** Residual kinds: where the nonlinearity sits (post, pre or identity; see layers/residual.ts). */
  residualForm: ResidualForm;
  transition: Transition;
}

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  lr: number;
  momentum: number;
  decay: number;
  seed: number;
  evalBatchSize: number;
  clipNorm: number | null;
  weightDecay: number;
  analyze: boolean;
}

export interface Config {
  name: string;
  backend: BackendName;
  dataset: DatasetConfig;
  model: ModelConfig;
  train: TrainConfig;
}

/** A config after resolution: every default filled in, `width` and an "auto" gate bias decided. */
export interface ResolvedConfig extends Config {
  model: ModelConfig & { width: number; gateBias: number };
}

/**
 * The initial transform-gate bias for "auto": b_T = −depth/10, clamped to [−10, −1] — the paper's
 * advice (−1, −2, −3 for depths ≈10, 20, 30; searched −1 … −10). Each coupled layer passes on
 * about σ(b_T) of its input at the start, so a deeper stack needs a more negative bias to carry
 * the signal (and the gradient) through; measured on the shipped digits (README, Defaults), a
 * 50-layer net at −2 sits at ln 10 for epochs, at −5 it trains from epoch 1.
 */
export function autoGateBias(depth: number): number {
  return Math.min(-1, Math.max(-10, -depth / 10));
}

export type FieldSpec =
  | { kind: 'int'; min: number; max: number; nullable?: boolean; default: number | null; help: string }
  | {
      kind: 'number';
      min?: number;
      max?: number;
      exclusiveMin?: boolean;
      exclusiveMax?: boolean;
      /** Also accepts the string "auto", resolved from other fields (see resolveConfig). */
      auto?: boolean;
      default: number | 'auto';
      help: string;
    }
  | { kind: 'enum'; values: readonly string[]; default: string; help: string }
  | { kind: 'string'; default: string; help: string }
  | { kind: 'intList'; min: number; max: number; nullable: true; default: null; help: string }
  | { kind: 'nullableNumber'; min: number; default: null; help: string }
  | { kind: 'bool'; default: boolean; help: string };

export const SECTIONS = ['dataset', 'model', 'train'] as const;

/** Every field, keyed by its dotted path. */
export const FIELDS: Record<string, FieldSpec> = {
  name: { kind: 'string', default: 'highway', help: 'experiment name, used in run folder names' },
  backend: { kind: 'enum', values: BACKENDS, default: 'auto', help: 'TF.js backend (auto: tensorflow, else wasm, else cpu)' },

  'dataset.name': {
    kind: 'string',
    default: 'mnist',
    help: 'mnist (10k digits shipped with the mnist package) | fashion-mnist | idx:<dir> | sst5:<dir> | synthetic',
  },
  'dataset.trainSize': { kind: 'int', min: 1, max: 10_000_000, nullable: true, default: null, help: 'class-balanced training subset (null: all)' },
  'dataset.testSize': { kind: 'int', min: 1, max: 10_000_000, nullable: true, default: null, help: 'class-balanced test subset (null: all)' },

  'dataset.maxLength': { kind: 'int', min: 1, max: 10_000, default: 50, help: 'text datasets: tokens per sentence (cut or padded)' },
  'dataset.minCount': { kind: 'int', min: 1, max: 1_000_000, default: 2, help: 'text datasets: train words seen fewer times than this map to the unknown word, which is thereby trained (1: every train word gets its own vector, and the unknown word none)' },
  'dataset.binary': { kind: 'bool', default: false, help: 'sst5: drop neutral sentences, 0/1 → negative, 3/4 → positive (the seed\'s binary task)' },
  'model.type': { kind: 'enum', values: MODEL_TYPES, default: 'highway', help: 'the network: plain, highway or residual blocks, dense (the paper\'s Figure 1), -conv (the authors\' MNIST conv net), -pooled or -bilstm (text)' },
  'model.depth': { kind: 'int', min: 1, max: 1000, default: 10, help: 'layers before the softmax, counting the first plain layer' },
  'model.width': { kind: 'int', min: 1, max: 65536, nullable: true, default: null, help: 'units per layer (null: 71 plain, 50 highway); bilstm types: LSTM units per direction (null: 50 highway, plain: the parameter count of that highway stack)' },
  'model.widths': { kind: 'intList', min: 1, max: 65536, nullable: true, default: null, help: 'per-layer widths, one per layer (overrides width)' },
  'model.convBlocks': { kind: 'intList', min: 1, max: 100, nullable: true, default: null, help: 'conv types: 3×3 layers per stage (null: [2, 3, 3], the authors\' MNIST net); depth = 1 + their sum' },
  'model.embedDim': { kind: 'int', min: 1, max: 4096, default: 300, help: 'text types: word-embedding size (the seed: 300); the width of a highway-bilstm stack' },
  'model.inputDropout': { kind: 'number', min: 0, max: 1, exclusiveMax: true, default: 0, help: 'dropout rate on the input (the authors\' conv nets: 0.2); text types: on the word embeddings' },
  'model.activation': { kind: 'enum', values: ACTIVATIONS, default: 'relu', help: 'nonlinearity of H (and of plain layers)' },
  'model.gateBias': {
    kind: 'number',
    auto: true,
    default: 'auto',
    help: 'initial bias b_T of the transform gate T; negative = start by carrying x; "auto": -depth/10 clamped to [-10, -1] (the paper\'s -1, -2, -3 for depths 10, 20, 30; conv and recurrent types have depth <= 10, so -1)',
  },
  'model.carry': { kind: 'enum', values: CARRIES, default: 'coupled', help: 'coupled: C = 1 - T (the paper); independent: C = sigmoid(x W_C + b_C)' },
  'model.carryBias': { kind: 'number', default: 2, help: 'initial bias b_C of the carry gate (independent carry only)' },
  'model.init': { kind: 'enum', values: INITS, default: 'glorot_uniform', help: 'kernel initializer (normalized init: Glorot, or He for relu)' },
  'model.residualInit': {
    kind: 'enum',
    values: RESIDUAL_INITS,
    default: 'fixup',
    help: 'residual blocks: fixup (W1 He-uniform × (depth−1)^(−1/2), W2 = 0: each block starts as the identity; trains to depth 100 without batch norm) or standard (model.init for both weight layers)',
  },
  'model.residualForm': {
    kind: 'enum',
    values: RESIDUAL_FORMS,
    default: 'post',
    help: 'residual blocks: post y = act(x + F(x)) (He et al. 2016a), pre y = x + W2·act(W1·act(x)) (2016b, no batch norm), identity y = x + W2·act(W1·x); post is the one that trains to depth 100 here',
  },
  'model.transition': { kind: 'enum', values: TRANSITIONS, default: 'project', help: 'how a highway or residual net changes width: plain layer, zero-pad, or subsample' },

  'train.epochs': { kind: 'int', min: 0, max: 1_000_000, default: 20, help: 'passes over the training set (0: evaluate the initial net only)' },
  'train.batchSize': { kind: 'int', min: 1, max: 1_000_000, default: 128, help: 'minibatch size' },
  'train.optimizer': { kind: 'enum', values: OPTIMIZERS, default: 'sgd', help: 'sgd (with momentum, the paper), nesterov, adam' },
  'train.lr': { kind: 'number', min: 0, exclusiveMin: true, default: 0.1, help: 'initial learning rate' },
  'train.momentum': { kind: 'number', min: 0, max: 1, exclusiveMax: true, default: 0.9, help: 'momentum (sgd, nesterov); beta1 for adam' },
  'train.decay': { kind: 'number', min: 0, max: 1, exclusiveMin: true, default: 0.9, help: 'learning rate of epoch e is lr * decay^(e-1)' },
  'train.seed': { kind: 'int', min: 0, max: 2 ** 31 - 1, default: 1, help: 'drives weight init and shuffling' },
  'train.weightDecay': { kind: 'number', min: 0, default: 0, help: 'L2 weight decay on kernels and embeddings (not biases): adds weightDecay·w to their gradient (the authors\' conv nets: 0.001)' },
  'train.clipNorm': { kind: 'nullableNumber', min: 0, default: null, help: 'clip the global gradient norm to this (null: no clipping, the paper)' },
  'train.analyze': { kind: 'bool', default: false, help: 'run `highway analyze` on the trained highway net at the end of the run' },
  'train.evalBatchSize': { kind: 'int', min: 1, max: 1_000_000, default: 2000, help: 'batch size for full-set evaluation (text: at most 256, faster for recurrent nets)' },
};

export const FIELD_PATHS = Object.keys(FIELDS);

/** Trainable parameters of one BiLSTM (both directions) from d inputs with h units per direction. */
export const bilstmParams = (d: number, h: number): number => 2 * 4 * h * (d + h + 1);
/** A highway-bilstm layer at width d: the BiLSTM, its projection 2h → d, the gate d → d. */
export const highwayBilstmLayerParams = (d: number, h: number): number => bilstmParams(d, h) + (2 * h * d + d) + (d * d + d);
/** Body parameters of a plain BiLSTM stack: d → 2h, then 2h → 2h. */
export const plainBilstmStackParams = (depth: number, d: number, h: number): number => bilstmParams(d, h) + (depth - 1) * bilstmParams(2 * h, h);

/**
 * Units per direction of a plain BiLSTM stack with (as nearly as integers allow) the parameters
 * of a highway-bilstm stack of the same depth and embedding width: the seed's equal-parameter
 * comparison.
 */
export function equalParamPlainUnits(depth: number, d: number, highwayUnits: number): number {
  const target = depth * highwayBilstmLayerParams(d, highwayUnits);
  let best = 1;
  for (let h = 1; plainBilstmStackParams(depth, d, h) <= 2 * target; h++) {
    if (Math.abs(plainBilstmStackParams(depth, d, h) - target) < Math.abs(plainBilstmStackParams(depth, d, best) - target)) best = h;
  }
  return best;
}
/** The authors' MNIST conv net: 2, 3 and 3 highway layers in three stages. */
export const DEFAULT_CONV_BLOCKS = [2, 3, 3];
