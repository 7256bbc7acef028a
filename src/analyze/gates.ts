/**
 * What the gates learned (TVDN section 4, Figures 2–4), for any saved run: walk the model's
 * layer chain eagerly; at each highway layer read its transform gate T. Per layer: mean b_T,
 * mean and spread of T over samples, the fraction of units whose mean T > 0.5, and how much
 * the block changes its input, mean |y − x|; T for one sample; mean T per class minus the overall
 * mean; and lesioning: the training-set loss with one layer's T forced to 0 (the layer becomes
 * the identity), one layer at a time. Image layers: T averaged over spatial positions.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { GatedLayer, HighwayBiLSTM, maskedMeanOverTime, tokenWeights } from '../layers/index.js';
import { LOGITS_LAYER } from '../model/index.js';
import type { Split } from '../data/types.js';
import { evaluate } from '../train/evaluate.js';
import { UserError } from '../errors.js';

export interface GateRow {
  /** 1-based position among the highway layers. */
  layer: number;
  name: string;
  biasMean: number;
  gateMean: number;
  gateStd: number;
  /** Fraction of units whose mean gate output over the samples is above 0.5. */
  fracOpen: number;
  /** Mean |y − x| over samples and units. */
  meanAbsChange: number;
}

export interface Analysis {
  rows: GateRow[];
  /** layer × unit: mean T over the samples. */
  unitMeans: number[][];
  /** layer × unit: b_T. */
  unitBias: number[][];
  /** layer × unit: T for the first sample. */
  sample: number[][];
  /** layer × class × unit: mean T of the unit over that class's samples minus its mean over all samples (the paper's Figure 3). */
  perClass: number[][][];
  lesion: Array<{ layer: number; name: string; loss: number; accuracy: number }>;
  base: { loss: number; accuracy: number };
  samples: number;
  trainExamples: number;
}

/** A layer with a transform gate: dense and conv highway layers, and recurrent highway layers. */
type Gated = GatedLayer | HighwayBiLSTM;
const isGated = (l: tfl.layers.Layer): l is Gated => l instanceof GatedLayer || l instanceof HighwayBiLSTM;

/** mask: [batch, time] (1 = token) for token models, whose gates are read at real tokens only. */
type GateVisit = (g: number, layer: Gated, x: tf.Tensor, t: tf.Tensor, y: tf.Tensor, mask: tf.Tensor | null) => void;

/**
 * Forward through the chain to the logits; `lesion` = index of the gated layer whose T is 0.
 * Token models (an embedding that masks id 0): the mask is computed from the ids and handed to
 * every layer, as the symbolic model does.
 */
function forwardChain(model: tfl.LayersModel, x: tf.Tensor, visit?: GateVisit, lesion = -1): tf.Tensor {
  let g = 0;
  let h = x;
  const masked = model.layers.some((l) => l.getClassName() === 'Embedding' && (l.getConfig() as { maskZero?: boolean }).maskZero);
  let mask: tf.Tensor | null = masked ? tf.notEqual(x, 0) : null;
  for (const layer of model.layers.slice(1)) {
    if (isGated(layer)) {
      const { t, y } =
        layer instanceof HighwayBiLSTM ? layer.gateActivity(h as tf.Tensor3D, g === lesion, mask ?? undefined) : layer.gateActivity(h, g === lesion);
      visit?.(g, layer, h, t, y, mask);
      h = y;
      g++;
    } else {
      h = layer.apply(h, mask ? { mask } : {}) as tf.Tensor;
      if (mask && h.rank < 3) mask = null; // pooled over time
    }
    if (layer.name === LOGITS_LAYER) return h;
  }
  throw new Error(`model has no "${LOGITS_LAYER}" layer`);
}

export function gatedLayers(model: tfl.LayersModel): Gated[] {
  return model.layers.filter(isGated);
}

/**
 * Per sample × unit gate values: spatial positions averaged for images, real tokens averaged
 * for sentences.
 */
function perUnit(t: tf.Tensor, mask: tf.Tensor | null): tf.Tensor2D {
  if (t.rank === 2) return t as tf.Tensor2D;
  if (mask && t.rank === 3) return maskedMeanOverTime(t, mask);
  return tf.mean(
    t,
    Array.from({ length: t.rank - 2 }, (_, i) => i + 1),
  ) as tf.Tensor2D;
}

export function analyzeModel(
  model: tfl.LayersModel,
  samples: Split,
  train: Split,
  inputShape: number[],
  numClasses: number,
  batchSize = 500,
  sequences = false,
): Analysis {
  const gates = gatedLayers(model);
  if (gates.length === 0) throw new UserError('the model has no highway layers (a plain net): there are no gates to analyze');
  const G = gates.length;
  const d = samples.x.length / samples.n;
  const units = gates.map(() => 0);
  const sumT = gates.map(() => [] as number[]);
  const sumT2 = new Array<number>(G).fill(0);
  const sumAbs = new Array<number>(G).fill(0);
  const countAbs = new Array<number>(G).fill(0);
  const classSum = gates.map(() => Array.from({ length: numClasses }, () => [] as number[]));
  const classCount = new Array<number>(numClasses).fill(0);
  const sample: number[][] = gates.map(() => []);

  for (let from = 0; from < samples.n; from += batchSize) {
    const to = Math.min(samples.n, from + batchSize);
    for (let i = from; i < to; i++) classCount[samples.y[i]!]!++;
    tf.tidy(() => {
      const x = tf.tensor(samples.x.subarray(from * d, to * d), [to - from, ...inputShape]);
      forwardChain(model, x, (g, _layer, hx, t, y, mask) => {
        const tu = perUnit(t, mask);
        const vals = tu.dataSync();
        const n = tu.shape[1];
        units[g] = n;
        const acc = sumT[g]!;
        for (let r = 0; r < to - from; r++) {
          const cls = classSum[g]![samples.y[from + r]!]!;
          for (let u = 0; u < n; u++) {
            const v = vals[r * n + u]!;
            acc[u] = (acc[u] ?? 0) + v;
            cls[u] = (cls[u] ?? 0) + v;
            sumT2[g]! += v * v;
          }
        }
        if (from === 0) sample[g] = Array.from(vals.subarray(0, n));
        // |y − x| over real positions (tokens) only
        const m = mask && y.rank === 3 ? tokenWeights(mask) : null;
        const change = tf.abs(tf.sub(y, hx));
        sumAbs[g]! += tf.sum(m ? tf.mul(change, m) : change).dataSync()[0]!;
        countAbs[g]! += m ? tf.sum(m).dataSync()[0]! * y.shape[2]! : y.size;
      });
    });
  }

  const N = samples.n;
  const unitMeans = sumT.map((acc) => acc.map((s) => s / N));
  const unitBias = gates.map((l) => Array.from(l.gateBiasValues()));
  const rows: GateRow[] = gates.map((l, g) => {
    const mean = unitMeans[g]!.reduce((a, b) => a + b, 0) / units[g]!;
    const meanSq = sumT2[g]! / (N * units[g]!);
    return {
      layer: g + 1,
      name: l.name,
      biasMean: unitBias[g]!.reduce((a, b) => a + b, 0) / unitBias[g]!.length,
      gateMean: mean,
      gateStd: Math.sqrt(Math.max(0, meanSq - mean * mean)),
      fracOpen: unitMeans[g]!.filter((v) => v > 0.5).length / units[g]!,
      meanAbsChange: sumAbs[g]! / countAbs[g]!,
    };
  });
  const perClass = gates.map((_, g) =>
    classSum[g]!.map((sums, c) => unitMeans[g]!.map((overall, u) => (classCount[c]! > 0 ? (sums[u] ?? 0) / classCount[c]! - overall : Number.NaN))),
  );

  // lesioning is judged on the whole training set, with the trainer's own evaluation
  const evaluateWith = (lesion: number) => evaluate((x) => forwardChain(model, x, undefined, lesion), train, inputShape, numClasses, 2000, { sequences });
  const base = evaluateWith(-1);
  const lesion = gates.map((l, g) => ({ layer: g + 1, name: l.name, ...evaluateWith(g) }));
  return { rows, unitMeans, unitBias, sample, perClass, lesion, base, samples: N, trainExamples: train.n };
}
