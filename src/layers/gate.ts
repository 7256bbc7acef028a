import { UserError } from '../errors.js';
import { ACTIVATIONS, CARRIES } from '../base/vocabulary.js';

/** Shared argument checks for every gated layer; messages name the argument. */
export function checkGateArgs(layer: string, a: { activation: string; gateBias: number; carry: string; carryBias: number }): void {
  if (!(ACTIVATIONS as readonly string[]).includes(a.activation)) {
    throw new UserError(`${layer}: activation must be one of ${ACTIVATIONS.join(', ')}, got "${a.activation}"`);
  }
  if (!Number.isFinite(a.gateBias)) throw new UserError(`${layer}: gateBias must be a finite number, got ${a.gateBias}`);
  if (!(CARRIES as readonly string[]).includes(a.carry)) {
    throw new UserError(`${layer}: carry must be one of ${CARRIES.join(', ')}, got "${a.carry}"`);
  }
  if (!Number.isFinite(a.carryBias)) throw new UserError(`${layer}: carryBias must be a finite number, got ${a.carryBias}`);
}
