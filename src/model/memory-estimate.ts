/**
 * What a net will need to train, from its config alone, before any tensor exists: `--width 65536`
 * used to grow to 16.8 GB over minutes and end in a RangeError. The parameter count is the
 * builder's own formula (exact for dense stacks, close for the others); the bytes are an estimate
 * meant to catch the impossible, not to budget the possible:
 *   4 bytes × (parameters × (weights + gradients + optimiser slots) + a batch's activations).
 */
import { totalmem } from 'node:os';
import type { ResolvedConfig } from '../config/schema.js';
import { UserError } from '../errors.js';
import { kindOf } from '../base/kinds.js';
import { planDense, planParams } from './plan.js';

export interface DataSize {
  inputShape: number[];
  numClasses: number;
  vocabSize?: number;
}

export interface MemoryEstimate {
  params: number;
  bytes: number;
}

/** Weight matrices per layer of a block: a highway layer has H and T (and C when independent), a residual block two. */
function weightSets(m: ResolvedConfig['model']): number {
  const block = kindOf(m.type).block;
  if (block === 'plain') return 1;
  return block === 'highway' && m.carry === 'independent' ? 3 : 2;
}

/** Parameters and the floats one example keeps for the backward pass (activations and their gradients). */
function shape(m: ResolvedConfig['model'], data: DataSize, maxLength: number): { params: number; perExample: number } {
  const kind = kindOf(m.type);
  const k = weightSets(m);
  const inputUnits = data.inputShape.reduce((a, b) => a * b, 1);
  const embedding = kind.family === 'pooled' || kind.family === 'bilstm' ? (data.vocabSize ?? 0) * m.embedDim : 0;
  if (kind.family === 'dense' || kind.family === 'pooled') {
    const plan = planDense(m);
    const params = embedding + planParams(plan, kind.family === 'pooled' ? m.embedDim : inputUnits, data.numClasses, m);
    const units = plan.reduce((n, s) => n + s.units, 0);
    return { params, perExample: (2 * k + 2) * units + (kind.family === 'pooled' ? 2 * maxLength * m.embedDim : 0) };
  }
  if (kind.family === 'conv') {
    // 5×5 conv from the input channels, then 3×3 layers, each stage halving height and width
    let [h = 1, w = 1] = data.inputShape;
    const c = data.inputShape[2] ?? 1;
    let params = 25 * c * m.width + m.width;
    let perExample = 4 * h * w * m.width;
    for (const blocks of m.convBlocks ?? []) {
      params += blocks * k * (9 * m.width * m.width + m.width);
      perExample += blocks * (2 * k + 2) * h * w * m.width;
      // 3/2 max-pooling, "same" padding
      h = Math.ceil(h / 2);
      w = Math.ceil(w / 2);
    }
    return { params: params + h * w * m.width * data.numClasses + data.numClasses, perExample };
  }
  // bilstm: per layer, 2 directions × 4 gates of (input + units + 1) × units; highway: H projected back to the embedding, and T
  const u = m.width;
  let params = embedding;
  let input = m.embedDim;
  for (let i = 0; i < m.depth; i++) {
    params += 2 * 4 * (input + u + 1) * u;
    if (kind.block === 'highway') params += (2 * u + 1) * m.embedDim + (m.embedDim + 1) * m.embedDim;
    else input = 2 * u;
  }
  params += input * data.numClasses + data.numClasses;
  return { params, perExample: maxLength * m.depth * (2 * 6 * u + 4 * m.embedDim) };
}

export function estimateTraining(cfg: Pick<ResolvedConfig, 'model' | 'train' | 'dataset'>, data: DataSize): MemoryEstimate {
  const { params, perExample } = shape(cfg.model, data, cfg.dataset.maxLength);
  const slots = cfg.train.optimizer === 'adam' ? 2 : 1;
  return { params, bytes: 4 * (params * (2 + slots) + cfg.train.batchSize * perExample) };
}

/** wasm32: one heap of at most 4 GiB − 64 KiB (tfjs-backend-wasm's getHeapMax). */
const WASM_HEAP_BYTES = 4_294_901_760;

/** How much memory the backend can give the training of one net. */
export function memoryBudget(backend: string): { bytes: number; what: string } {
  return backend === 'wasm' ? { bytes: WASM_HEAP_BYTES, what: "the wasm backend's memory" } : { bytes: totalmem(), what: "this machine's memory" };
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(bytes < 1e10 ? 1 : 0)} GB`;

/**
 * Refuse a net that cannot fit in `budget` bytes (the backend's memory: the wasm heap's 4 GB, or
 * the machine's RAM), with the estimate and what to change.
 */
export function checkFits(cfg: Pick<ResolvedConfig, 'model' | 'train' | 'dataset'>, data: DataSize, budget: { bytes: number; what: string }): MemoryEstimate {
  const e = estimateTraining(cfg, data);
  if (e.bytes > budget.bytes) {
    const m = cfg.model;
    throw new UserError(
      `this ${m.type} net (depth ${m.depth}, width ${m.width}) has ${e.params.toLocaleString('en-US')} parameters and needs about ${gb(e.bytes)} to train ` +
        `(weights, gradients and ${cfg.train.optimizer} state, activations of a batch of ${cfg.train.batchSize}), more than ${budget.what} (${gb(budget.bytes)}); ` +
        'use a smaller model.width or model.depth (or train.batchSize)',
    );
  }
  return e;
}
