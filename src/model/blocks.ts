/**
 * The layer each block kind contributes to each family's stack: layer i of a dense, conv or
 * recurrent body. The family builders (build.ts, build-conv.ts) lay out the network; this table
 * says what one block of it is. A new kind of block, or an existing block in a new family, is an
 * entry here (and its registry entry in kinds.ts).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { ResolvedConfig } from '../config/schema.js';
import { deriveSeed } from '../util/random.js';
import { BiLSTM, HighwayBiLSTM, HighwayConv2D, HighwayDense, ResidualConv2D, ResidualDense, kernelInitializer } from '../layers/index.js';
import type { Block, Family } from '../base/kinds.js';

type Model = ResolvedConfig['model'];
/** Layer `i` of the stack, `units` wide (dense), `m.width` maps (conv) or units per direction (bilstm). */
type BlockLayer = (m: Model, i: number, seed: number, units: number) => tfl.layers.Layer;

const initSeed = (seed: number, i: number) => deriveSeed(seed, 'init', i);

/**
 * Residual blocks are post-activation by default, y = act(x + W2·act(W1·x + b1) + b2), and start as Fixup
 * (Zhang et al. 2019) by default: W1 He-uniform scaled by L^(−1/2) for L = depth − 1 blocks, W2 = 0,
 * so every block starts as (nearly) the identity. Measured (docs/extending.md): without batch
 * norm, He init explodes by depth 10, and the identity and pre-activation forms diverge at depth
 * 100 under the default SGD; this one trains at depths 10 to 100.
 */
const residualArgs = (m: Model) =>
  m.residualInit === 'fixup'
    ? {
        activation: m.activation,
        form: m.residualForm,
        kernelInitializer: 'he_uniform' as const,
        zeroInitLast: true,
        initScale: Math.max(1, m.depth - 1) ** -0.5,
      }
    : { activation: m.activation, form: m.residualForm, kernelInitializer: m.init };

/** What a dense and a conv highway layer share: the gate, the carry and the init. */
const highwayArgs = (m: Model, i: number, seed: number) => ({
  activation: m.activation,
  gateBias: m.gateBias,
  carry: m.carry,
  carryBias: m.carryBias,
  kernelInitializer: m.init,
  seed: initSeed(seed, i),
  name: `highway_${i}`,
});

export const BLOCK_LAYERS: Record<Block, Partial<Record<Family, BlockLayer>>> = {
  plain: {
    dense: (m, i, seed, units) =>
      tfl.layers.dense({ units, activation: m.activation, kernelInitializer: kernelInitializer(m.init, initSeed(seed, i)), name: `plain_${i}` }),
    conv: (m, i, seed) =>
      tfl.layers.conv2d({
        filters: m.width,
        kernelSize: 3,
        padding: 'same',
        activation: m.activation,
        kernelInitializer: kernelInitializer(m.init, initSeed(seed, i)),
        name: `plain_${i}`,
      }),
    bilstm: (m, i, seed) => new BiLSTM({ units: m.width, kernelInitializer: m.init, seed: initSeed(seed, i), name: `bilstm_${i}` }),
  },
  highway: {
    dense: (m, i, seed) => new HighwayDense(highwayArgs(m, i, seed)),
    conv: (m, i, seed) => new HighwayConv2D({ kernelSize: 3, ...highwayArgs(m, i, seed) }),
    bilstm: (m, i, seed) =>
      new HighwayBiLSTM({ units: m.width, kernelInitializer: m.init, seed: initSeed(seed, i), gateBias: m.gateBias, name: `highway_${i}` }),
  },
  residual: {
    dense: (m, i, seed) => new ResidualDense({ ...residualArgs(m), seed: initSeed(seed, i), name: `residual_${i}` }),
    conv: (m, i, seed) => new ResidualConv2D({ kernelSize: 3, ...residualArgs(m), seed: initSeed(seed, i), name: `residual_${i}` }),
  },
};

/** The pooled text family stacks dense blocks on the mean embedding. */
const familyOfLayers = (family: Family): Family => (family === 'pooled' ? 'dense' : family);

export function blockLayer(block: Block, family: Family): BlockLayer {
  const make = BLOCK_LAYERS[block][familyOfLayers(family)];
  if (!make) throw new Error(`no ${block} block for the ${family} family in model/blocks.ts`);
  return make;
}
