/**
 * Arithmetic of one training step, by formula: the floating-point operations of the net's
 * matrix products and convolutions (2 per multiply-add), forward and backward. This is the work
 * no implementation can skip; the elementwise parts, pooling, the loss and the optimiser (a few
 * operations per value, bound by memory) are left out. With a GEMM rate measured on the same
 * machine (peak.ts) it gives the step's arithmetic floor, which `highway bench` compares with
 * the measured step.
 *
 * Each weight layer costs F = 2·rows·n_in·n_out forward (a convolution: rows = B·H·W output
 * pixels, n_in = k·k·C_in); backward costs F again for its weight gradient and F for its input
 * gradient, except the first layer's, whose input (the data) needs none. An LSTM direction over
 * T steps is two such layers (input and recurrent kernel, B·T rows each). Text nets look words up
 * in an embedding (no arithmetic), so every layer after it needs its input gradient.
 */
import type { ResolvedConfig } from '../config/schema.js';
import { DEFAULT_CONV_BLOCKS } from '../config/schema.js';
import { kindOf } from '../base/kinds.js';
import { planDense } from '../model/plan.js';

type Model = ResolvedConfig['model'];

/** A product: `rows` rows of an n_in × n_out weight matrix. */
interface Gemm {
  rows: number;
  nIn: number;
  nOut: number;
}

/** Weight layers of one highway or residual block: H, T (and C) or W1, W2. */
const weightLayersPerBlock = (m: Model): number =>
  kindOf(m.type).block === 'highway' && m.carry === 'independent' ? 3 : kindOf(m.type).block === 'plain' ? 1 : 2;

/** The dense body of `depth` layers on `nIn` features for `rows` examples, as the builder lays it out. */
function denseGemms(m: Model, rows: number, nIn: number): Gemm[] {
  const out: Gemm[] = [];
  let n = nIn;
  for (const step of planDense(m)) {
    if (step.kind === 'plain') out.push({ rows, nIn: n, nOut: step.units });
    if (step.kind === 'block') for (let k = 0; k < weightLayersPerBlock(m); k++) out.push({ rows, nIn: step.units, nOut: step.units });
    n = step.units;
  }
  return out;
}

/** The authors' conv net: a 5×5 conv on 28×28×1, stages of 3×3 layers at halving sizes, 3/2 pooling. */
function convGemms(m: Model, batch: number, side: number): { gemms: Gemm[]; features: number } {
  const w = m.width;
  const gemms: Gemm[] = [{ rows: batch * side * side, nIn: 25, nOut: w }];
  let s = side;
  for (const blocks of m.convBlocks ?? DEFAULT_CONV_BLOCKS) {
    for (let b = 0; b < blocks * weightLayersPerBlock(m); b++) gemms.push({ rows: batch * s * s, nIn: 9 * w, nOut: w });
    s = Math.ceil(s / 2);
  }
  return { gemms, features: s * s * w };
}

/** Stacked bidirectional LSTM layers over [batch, steps] tokens of embedDim features. */
function bilstmGemms(m: Model, batch: number, steps: number): { gemms: Gemm[]; features: number } {
  const rows = batch * steps;
  const d = m.embedDim;
  const h = m.width;
  const gemms: Gemm[] = [];
  const highway = kindOf(m.type).block === 'highway';
  let n = d;
  for (let l = 0; l < m.depth; l++) {
    for (let dir = 0; dir < 2; dir++) gemms.push({ rows, nIn: n, nOut: 4 * h }, { rows, nIn: h, nOut: 4 * h });
    if (highway) gemms.push({ rows, nIn: 2 * h, nOut: d }, { rows, nIn: d, nOut: d });
    else n = 2 * h;
  }
  return { gemms, features: highway ? d : 2 * h };
}

const forward = (g: Gemm) => 2 * g.rows * g.nIn * g.nOut;

/**
 * FLOPs of one training step of the net `m` on a batch of `batch` examples (`steps` tokens per
 * sentence for text nets: the batch's longest sentence), `numClasses` outputs.
 */
export function trainingFlops(m: Model, batch: number, numClasses: number, steps = 1): number {
  const family = kindOf(m.type).family;
  let gemms: Gemm[];
  let firstNeedsNoInputGrad = true;
  if (family === 'dense') gemms = denseGemms(m, batch, 784);
  else if (family === 'pooled') {
    gemms = denseGemms(m, batch, m.embedDim);
    firstNeedsNoInputGrad = false; // its input is the embedding's output
  } else if (family === 'conv') {
    const c = convGemms(m, batch, 28);
    gemms = [...c.gemms, { rows: batch, nIn: c.features, nOut: numClasses }];
  } else {
    const r = bilstmGemms(m, batch, steps);
    gemms = [...r.gemms, { rows: batch, nIn: r.features, nOut: numClasses }];
    firstNeedsNoInputGrad = false;
  }
  if (family === 'dense' || family === 'pooled') gemms.push({ rows: batch, nIn: gemms[gemms.length - 1]!.nOut, nOut: numClasses });
  const total = gemms.reduce((s, g) => s + 3 * forward(g), 0);
  return firstNeedsNoInputGrad ? total - forward(gemms[0]!) : total;
}
