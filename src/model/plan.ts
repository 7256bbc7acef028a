import type { ModelConfig } from '../config/schema.js';
import { UserError } from '../errors.js';
import { BLOCKS, kindOf } from '../base/kinds.js';
import { highwayBilstmLayerParams, plainBilstmStackParams, weightLayerParams } from '../base/params.js';

/** One step of a dense network, before any tensor exists. `block`: a layer of the kind's own block (highway, residual). */
export type LayerPlan =
  | { kind: 'plain'; units: number; index: number }
  | { kind: 'block'; units: number; index: number }
  | { kind: 'pad'; units: number; index: number }
  | { kind: 'subsample'; units: number; index: number };

/**
 * The paper's Figure 1 network as a list of steps: one plain layer, then depth − 1 blocks of the
 * kind (plain, highway or residual layers). A highway or residual net changes width by
 * `transition`: `project` makes that layer plain, `pad` / `subsample` resize x without weights,
 * then a block. Impossible combinations are rejected here, naming the field.
 */
export function planDense(m: ModelConfig & { width: number }): LayerPlan[] {
  const block = kindOf(m.type).block;
  const widths = m.widths ?? new Array<number>(m.depth).fill(m.width);
  const plan: LayerPlan[] = [{ kind: 'plain', units: widths[0]!, index: 0 }];
  for (let i = 1; i < m.depth; i++) {
    const prev = widths[i - 1]!;
    const units = widths[i]!;
    if (block === 'plain') {
      plan.push({ kind: 'plain', units, index: i });
      continue;
    }
    if (units !== prev) {
      const field = `model.widths[${i}]`;
      if (m.transition === 'project') {
        plan.push({ kind: 'plain', units, index: i });
        continue;
      }
      if (m.transition === 'pad') {
        if (units < prev) {
          throw new UserError(`${field}: transition "pad" cannot shrink width ${prev} to ${units} (padding only widens; use "project" or "subsample")`);
        }
        plan.push({ kind: 'pad', units, index: i });
      } else {
        if (units > prev || prev % units !== 0) {
          throw new UserError(
            `${field}: transition "subsample" cannot go from width ${prev} to ${units}: it keeps every k-th unit, so ${units} must divide ${prev} (use "project" or "pad")`,
          );
        }
        plan.push({ kind: 'subsample', units, index: i });
      }
    }
    plan.push({ kind: 'block', units, index: i });
  }
  return plan;
}

/**
 * Trainable parameters of a plan, by formula (no tensors): a highway layer has 2 (3 with an
 * independent carry) weight layers of its width, a residual block 2.
 */
export function planParams(plan: LayerPlan[], inputUnits: number, numClasses: number, m: Pick<ModelConfig, 'type' | 'carry'>): number {
  let n = inputUnits;
  let total = 0;
  const weightLayers = BLOCKS[kindOf(m.type).block].weightLayers(m.carry);
  for (const step of plan) {
    if (step.kind === 'plain') total += n * step.units + step.units;
    if (step.kind === 'block') total += weightLayers * (step.units * step.units + step.units);
    n = step.units;
  }
  return total + n * numClasses + numClasses;
}

/**
 * Parameters of one hidden layer of a net (the paper pairs nets by it: 71 plain units ≈ 50
 * highway blocks ≈ 5,100): weight layers of the block × one k×k (conv) or dense weight layer of
 * the width; a BiLSTM layer by its own formula.
 */
export function hiddenLayerParams(m: Pick<ModelConfig, 'type' | 'carry' | 'depth' | 'embedDim'> & { width: number }): number {
  const kind = kindOf(m.type);
  if (kind.family === 'bilstm') {
    return kind.block === 'highway' ? highwayBilstmLayerParams(m.embedDim, m.width) : plainBilstmStackParams(m.depth, m.embedDim, m.width) / m.depth;
  }
  return BLOCKS[kind.block].weightLayers(m.carry) * weightLayerParams(m.width, kind.family === 'conv' ? 3 : 1);
}
