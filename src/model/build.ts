import * as tfl from '@tensorflow/tfjs-layers';
import type { ResolvedConfig } from '../config/schema.js';
import { UserError } from '../errors.js';
import { deriveSeed } from '../util/random.js';
import { FeaturePad, FeatureSubsample, MaskedMeanPooling, SeededDropout, kernelInitializer } from '../layers/index.js';
import { planDense } from './plan.js';
import { buildConvBody } from './build-conv.js';
import { blockLayer } from './blocks.js';
import { kindOf } from '../base/kinds.js';

export interface DataShape {
  /** Shape of one example, e.g. [784] or [28, 28, 1]. */
  inputShape: number[];
  numClasses: number;
  /** Token datasets: ids are < vocabSize. */
  vocabSize?: number;
}

/** Name of the layer whose output is the logits; the model's own output is softmax(logits). */
export const LOGITS_LAYER = 'logits';

/**
 * Resolved model config → tf.LayersModel: [input dropout] → the body → dense logits → softmax.
 * Dense types: the paper's Figure 1 body (flatten → plain dense → depth − 1 plain or highway
 * layers); conv types: the authors' MNIST conv body (build-conv.ts); text types: embedding →
 * mean → dense body (pooled) or embedding → recurrent stack → mean (bilstm). Every kernel gets its own
 * seed derived from `seed`.
 */
export function buildModel(m: ResolvedConfig['model'], data: DataShape, seed: number): tfl.LayersModel {
  if (data.numClasses < 2) throw new UserError(`the dataset has ${data.numClasses} class(es); classification needs at least 2`);
  if (data.inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new UserError(`impossible input shape [${data.inputShape.join(', ')}]`);
  }
  const kind = kindOf(m.type);
  const text = kind.family === 'pooled' || kind.family === 'bilstm';
  // text models take any sentence length: batches are cut to their longest sentence
  const input = tfl.input({ shape: text ? [null as unknown as number] : data.inputShape, name: 'input' });
  let x: tfl.SymbolicTensor = input;
  const dropout = (v: tfl.SymbolicTensor, name: string) =>
    m.inputDropout > 0 ? (new SeededDropout({ rate: m.inputDropout, seed: deriveSeed(seed, 'dropout'), name }).apply(v) as tfl.SymbolicTensor) : v;
  if (text) {
    // token ids → word vectors (dropout, if any, on the vectors, never on the ids)
    const words = dropout(embedding(m, data, x, seed), 'embedding_dropout');
    if (kind.family === 'pooled') x = denseBody(m, { ...data, inputShape: [m.embedDim] }, meanOverTime(words), seed);
    else x = meanOverTime(recurrentBody(m, words, seed));
  } else {
    x = dropout(x, 'input_dropout');
    x = kind.family === 'conv' ? buildConvBody(m, x, seed) : denseBody(m, data, x, seed);
  }
  const logits = tfl.layers
    .dense({ units: data.numClasses, kernelInitializer: kernelInitializer(m.init, deriveSeed(seed, 'init', m.depth)), name: LOGITS_LAYER })
    .apply(x) as tfl.SymbolicTensor;
  const probs = tfl.layers.activation({ activation: 'softmax', name: 'softmax' }).apply(logits) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: probs, name: `${m.type}-d${m.depth}` });
}

/**
 * Text front end: token ids → word embeddings, with a mask of the real tokens (id 0 is padding)
 * that the recurrent layers and the mean over time honour.
 */
function embedding(m: ResolvedConfig['model'], data: DataShape, input: tfl.SymbolicTensor, seed: number): tfl.SymbolicTensor {
  if (!data.vocabSize || data.inputShape.length !== 1) {
    throw new UserError(`model.type "${m.type}" needs a token dataset (sst5:<dir>); this dataset's examples have shape [${data.inputShape.join(', ')}]`);
  }
  return tfl.layers
    .embedding({
      inputDim: data.vocabSize,
      outputDim: m.embedDim,
      maskZero: true,
      embeddingsInitializer: tfl.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: deriveSeed(seed, 'embedding') }),
      name: 'embedding',
    })
    .apply(input) as tfl.SymbolicTensor;
}

/** Mean over the real tokens (padding masked out). */
const meanOverTime = (x: tfl.SymbolicTensor) => new MaskedMeanPooling({ name: 'mean_over_time' }).apply(x) as tfl.SymbolicTensor;

/**
 * The seed's recurrent stacks, `depth` layers on the word vectors: highway-bilstm keeps the
 * embedding width (each layer: H = BiLSTM(x) projected back, T = σ(x·W_T + b_T)); plain-bilstm
 * stacks BiLSTMs of `width` units per direction (2·width features between layers).
 */
function recurrentBody(m: ResolvedConfig['model'], words: tfl.SymbolicTensor, seed: number): tfl.SymbolicTensor {
  const layer = blockLayer(kindOf(m.type).block, 'bilstm');
  let x = words;
  for (let i = 0; i < m.depth; i++) x = layer(m, i, seed, m.width).apply(x) as tfl.SymbolicTensor;
  return x;
}

/** input → (flatten) → plain dense → (depth − 1) blocks of the kind, per the plan. */
function denseBody(m: ResolvedConfig['model'], data: DataShape, input: tfl.SymbolicTensor, seed: number): tfl.SymbolicTensor {
  const plan = planDense(m);
  const kind = kindOf(m.type);
  let x = input;
  if (data.inputShape.length > 1) x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as tfl.SymbolicTensor;
  const plain = blockLayer('plain', kind.family);
  const block = blockLayer(kind.block, kind.family);
  for (const step of plan) {
    const i = step.index;
    const layer =
      step.kind === 'plain'
        ? i === 0
          ? tfl.layers.dense({
              units: step.units,
              activation: m.activation,
              kernelInitializer: kernelInitializer(m.init, deriveSeed(seed, 'init', 0)),
              name: 'dense_0',
            })
          : plain(m, i, seed, step.units)
        : step.kind === 'block'
          ? block(m, i, seed, step.units)
          : step.kind === 'pad'
            ? new FeaturePad({ units: step.units, name: `pad_${i}` })
            : new FeatureSubsample({ units: step.units, name: `subsample_${i}` });
    x = layer.apply(x) as tfl.SymbolicTensor;
  }
  return x;
}

/** The same network with the logits as output (shares the weights); what the trainer optimises. */
export function logitsModel(model: tfl.LayersModel): tfl.LayersModel {
  return tfl.model({ inputs: model.inputs, outputs: model.getLayer(LOGITS_LAYER).output as tfl.SymbolicTensor });
}

export function countParams(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
}
