import type { ModelConfig } from '../config/schema.js';
import { UserError } from '../errors.js';

/** One step of a dense network, before any tensor exists. */
export type LayerPlan =
  | { kind: 'plain'; units: number; index: number }
  | { kind: 'highway'; units: number; index: number }
  | { kind: 'pad'; units: number; index: number }
  | { kind: 'subsample'; units: number; index: number };

/**
 * The paper's Figure 1 network as a list of steps: one plain layer, then depth − 1 plain or
 * highway layers. A highway net changes width by `transition`: `project` makes that layer
 * plain (no gates), `pad` / `subsample` resize x without weights, then a highway layer.
 * Impossible combinations are rejected here, naming the field.
 */
export function planDense(m: ModelConfig & { width: number }): LayerPlan[] {
  const widths = m.widths ?? new Array<number>(m.depth).fill(m.width);
  const plan: LayerPlan[] = [{ kind: 'plain', units: widths[0]!, index: 0 }];
  for (let i = 1; i < m.depth; i++) {
    const prev = widths[i - 1]!;
    const units = widths[i]!;
    if (!m.type.startsWith('highway')) {
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
    plan.push({ kind: 'highway', units, index: i });
  }
  return plan;
}

/** Trainable parameters of a plan, by formula (no tensors). */
export function planParams(plan: LayerPlan[], inputUnits: number, numClasses: number, carry: ModelConfig['carry']): number {
  let n = inputUnits;
  let total = 0;
  const gates = carry === 'independent' ? 3 : 2;
  for (const step of plan) {
    if (step.kind === 'plain') total += n * step.units + step.units;
    if (step.kind === 'highway') total += gates * (step.units * step.units + step.units);
    n = step.units;
  }
  return total + n * numClasses + numClasses;
}
