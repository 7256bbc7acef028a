/**
 * Whether a logits model is a plain chain of dense and coupled highway layers that the engine-free
 * training step (dense-step.ts) can run, and its layers if so: the input (flattened if it is an image),
 * dense or highway layers one after another, and a linear dense layer of numClasses logits. Any
 * other layer (dropout, residual blocks, feature pads, independent carry, convolutions, text
 * front ends) or any branching means no: the step then runs through the engine as always.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ACTIVATION_TABLE, simdCode } from '../layers/activations.js';

export interface DenseLayer {
  kind: 'dense';
  /** The activation's SIMD code (layers/activations.ts). */
  activation: number;
  inputs: number;
  units: number;
  kernel: tf.Variable;
  bias: tf.Variable;
}

export interface HighwayLayer {
  kind: 'highway';
  activation: number;
  units: number;
  /** W_H, b_H, W_T, b_T */
  weights: [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
}

export type StackLayer = DenseLayer | HighwayLayer;

const variables = (layer: tfl.layers.Layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable);

/** Values per example: the width of the first dense layer's input once flattened. */
export const exampleWidth = (inputShape: number[]): number => inputShape.reduce((a, b) => a * b, 1);

export function planDenseStack(model: tfl.LayersModel, inputShape: number[], numClasses: number): StackLayer[] | null {
  const [input, ...rest] = model.layers;
  if (input?.getClassName() !== 'InputLayer') return null;
  const plan: StackLayer[] = [];
  let width = exampleWidth(inputShape);
  // images ([28, 28, 1]) are flattened first; row-major examples already are
  let flat = inputShape.length === 1;
  let previous: tfl.layers.Layer = input;
  for (const layer of rest) {
    // one inbound node, from the layer before: a chain, nothing shared or branching
    const nodes = layer.inboundNodes;
    if (nodes.length !== 1 || nodes[0]!.inboundLayers.length !== 1 || nodes[0]!.inboundLayers[0] !== previous) return null;
    previous = layer;
    const config = layer.getConfig();
    const activation = simdCode(String(config.activation));
    const kind = layer.getClassName();
    if (kind === 'Flatten') {
      flat = true;
      continue;
    }
    if (activation === undefined || !flat) return null;
    if (kind === 'Dense' && config.useBias === true && layer.trainableWeights.length === 2) {
      const [kernel, bias] = variables(layer) as [tf.Variable, tf.Variable];
      if (kernel.shape[0] !== width) return null;
      plan.push({ kind: 'dense', activation, inputs: width, units: kernel.shape[1]!, kernel, bias });
      width = kernel.shape[1]!;
    } else if (kind === 'HighwayDense' && config.carry === 'coupled' && layer.trainableWeights.length === 4) {
      const weights = variables(layer) as HighwayLayer['weights'];
      if (weights[0].shape[0] !== width) return null;
      plan.push({ kind: 'highway', activation, units: width, weights });
    } else return null;
  }
  const last = plan.at(-1);
  const linear = ACTIVATION_TABLE.linear.simd;
  if (last?.kind !== 'dense' || last.activation !== linear || last.units !== numClasses) return null;
  return plan;
}
