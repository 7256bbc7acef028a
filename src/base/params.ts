/**
 * Parameter counts by formula (no tensors), for pairing widths: the paper compares nets with
 * about the same parameters per hidden layer — 71 plain units (71² + 71 = 5,112) against 50
 * highway blocks (2·(50² + 50) = 5,100).
 */

/** One weight layer of width u on width u: a dense layer (k = 1) or a k×k convolution with u maps. */
export const weightLayerParams = (u: number, k = 1): number => k * k * u * u + u;

/**
 * The plain width whose layer has the parameters of a two-weight-layer block (highway with the
 * coupled carry, or residual) of width w: the u with k²u² + u nearest 2·(k²w² + w).
 */
export function equalParameterPlainWidth(w: number, k = 1): number {
  const target = 2 * weightLayerParams(w, k);
  const a = k * k;
  const u = (-1 + Math.sqrt(1 + 4 * a * target)) / (2 * a);
  const lo = Math.floor(u);
  return Math.abs(weightLayerParams(lo, k) - target) <= Math.abs(weightLayerParams(lo + 1, k) - target) ? Math.max(1, lo) : lo + 1;
}

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
