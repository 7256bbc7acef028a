/**
 * The transform gate every highway layer shares (dense, conv and recurrent): the gate
 * arguments' defaults and checks, and the coupled carry y = x + T·(H − x) as ops. This is the
 * one place the layers write that formula; the kernels write it once more each (the JS loop in
 * backend/highway-loops.ts, the SIMD modules in backend/simd/).
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors.js';
import { ACTIVATIONS, CARRIES, type Activation, type Carry } from '../base/vocabulary.js';

/** The gate arguments a layer is given none of. gateBias −2: start close to carrying x (the config resolves its own "auto"). */
export const GATE_DEFAULTS = { activation: 'relu', gateBias: -2, carry: 'coupled', carryBias: 2 } as const satisfies {
  activation: Activation;
  gateBias: number;
  carry: Carry;
  carryBias: number;
};

export function checkGateBias(layer: string, gateBias: number): void {
  if (!Number.isFinite(gateBias)) throw new UserError(`${layer}: gateBias must be a finite number, got ${gateBias}`);
}

/** Shared argument checks for every gated layer; messages name the argument. */
export function checkGateArgs(layer: string, a: { activation: string; gateBias: number; carry: string; carryBias: number }): void {
  if (!(ACTIVATIONS as readonly string[]).includes(a.activation)) {
    throw new UserError(`${layer}: activation must be one of ${ACTIVATIONS.join(', ')}, got "${a.activation}"`);
  }
  checkGateBias(layer, a.gateBias);
  if (!(CARRIES as readonly string[]).includes(a.carry)) {
    throw new UserError(`${layer}: carry must be one of ${CARRIES.join(', ')}, got "${a.carry}"`);
  }
  if (!Number.isFinite(a.carryBias)) throw new UserError(`${layer}: carryBias must be a finite number, got ${a.carryBias}`);
}

/** The coupled carry y = x + T·(H − x), i.e. H·T + x·(1 − T) in three ops. */
export const coupledCarry = (x: tf.Tensor, h: tf.Tensor, t: tf.Tensor): tf.Tensor => tf.add(x, tf.mul(t, tf.sub(h, x)));
