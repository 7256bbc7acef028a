/**
 * The registry of model kinds: every `model.type`, what it is and what it uses. Config
 * validation, the sweep's "does this field apply?", the CLI's descriptions and run-folder names,
 * the report's grouping and line styles and `analyze` all ask here, never a string prefix.
 * Pure data: no tensors (the config imports it); the layers that build each block are in
 * model/blocks.ts.
 *
 * Adding a kind (see docs/extending.md):
 *  1. add its entry to KINDS below (family, block, fields, width rule, description);
 *  2. give its block a layer for its family in model/blocks.ts (a new block: a new entry there).
 * Nothing else changes: the builder, validation, sweeps, report and CLI follow the entry.
 */

import type { Carry } from './vocabulary.js';

/** The network around the blocks: the paper's dense stack, the authors' conv net, or a text front end. */
export type Family = 'dense' | 'conv' | 'pooled' | 'bilstm';
/** What each layer of the stack is: plain, highway (gated), or residual (y = x + F(x)). */
export type Block = 'plain' | 'highway' | 'residual';

/** Config fields (under `model.`) that only some kinds use; every other field applies to all. */
export const KIND_FIELDS = ['gateBias', 'carry', 'carryBias', 'transition', 'widths', 'convBlocks', 'embedDim', 'residualInit', 'residualForm'] as const;
export type KindField = (typeof KIND_FIELDS)[number];

export interface ModelKind {
  name: string;
  family: Family;
  block: Block;
  /** The kind-specific fields it reads. */
  fields: readonly KindField[];
  /** Default `model.width`: units per layer (maps for conv, units per direction for bilstm), or the equal-parameter rule. */
  width: number | 'equal-parameters';
  description: string;
}

const GATES: readonly KindField[] = ['gateBias', 'carry', 'carryBias'];

export const KINDS = [
  {
    name: 'plain',
    family: 'dense',
    block: 'plain',
    fields: ['widths'],
    width: 71,
    description: 'fully connected plain layers (the paper’s Figure 1 baseline)',
  },
  {
    name: 'highway',
    family: 'dense',
    block: 'highway',
    fields: ['widths', 'transition', ...GATES],
    width: 50,
    description: 'fully connected highway layers after one plain layer (the paper’s Figure 1)',
  },
  {
    name: 'residual',
    family: 'dense',
    block: 'residual',
    fields: ['widths', 'transition', 'residualInit', 'residualForm'],
    width: 50,
    description: 'fully connected residual blocks y = act(x + W2·act(W1·x + b1) + b2) after one plain layer',
  },
  {
    name: 'plain-conv',
    family: 'conv',
    block: 'plain',
    fields: ['convBlocks'],
    width: 16,
    description: 'the authors’ convolutional MNIST net with plain 3×3 layers',
  },
  {
    name: 'highway-conv',
    family: 'conv',
    block: 'highway',
    fields: ['convBlocks', ...GATES],
    width: 16,
    description: 'the authors’ convolutional MNIST net with highway 3×3 layers',
  },
  {
    name: 'residual-conv',
    family: 'conv',
    block: 'residual',
    fields: ['convBlocks', 'residualInit', 'residualForm'],
    width: 16,
    description: 'the authors’ convolutional MNIST layout with residual 3×3 blocks',
  },
  {
    name: 'plain-pooled',
    family: 'pooled',
    block: 'plain',
    fields: ['embedDim', 'widths'],
    width: 71,
    description: 'text: mean of the word embeddings, then plain layers',
  },
  {
    name: 'highway-pooled',
    family: 'pooled',
    block: 'highway',
    fields: ['embedDim', 'widths', 'transition', ...GATES],
    width: 50,
    description: 'text: mean of the word embeddings, then highway layers',
  },
  {
    name: 'residual-pooled',
    family: 'pooled',
    block: 'residual',
    fields: ['embedDim', 'widths', 'transition', 'residualInit', 'residualForm'],
    width: 50,
    description: 'text: mean of the word embeddings, then residual blocks',
  },
  {
    name: 'plain-bilstm',
    family: 'bilstm',
    block: 'plain',
    fields: ['embedDim'],
    width: 'equal-parameters',
    description: 'text: stacked bidirectional LSTMs, as wide as the highway stack has parameters',
  },
  {
    name: 'highway-bilstm',
    family: 'bilstm',
    block: 'highway',
    fields: ['embedDim', 'gateBias'],
    width: 50,
    description: 'text: stacked highway layers whose H is a bidirectional LSTM',
  },
] as const satisfies readonly ModelKind[];

export type ModelType = (typeof KINDS)[number]['name'];
export const MODEL_TYPES: readonly ModelType[] = KINDS.map((k) => k.name);

export function kindOf(type: string): ModelKind {
  const k = (KINDS as readonly ModelKind[]).find((x) => x.name === type);
  if (!k) throw new Error(`unknown model type "${type}"`); // config validation rejects these first
  return k;
}

export const BLOCK_ORDER: readonly Block[] = ['plain', 'highway', 'residual'];

/** What every block of a kind is, for those that count or draw it. */
export interface BlockFacts {
  /** Weight layers of the stack's width in one block (the parameter counts). */
  weightLayers(carry: Carry): number;
  /** Its lines in the figures: highway solid, plain dashed, residual dotted. */
  lineDash: number[];
}

export const BLOCKS = {
  plain: { weightLayers: () => 1, lineDash: [6, 4] },
  // H and T, and with an independent carry gate C too
  highway: { weightLayers: (carry) => (carry === 'independent' ? 3 : 2), lineDash: [1, 0] },
  residual: { weightLayers: () => 2, lineDash: [2, 2] },
} as const satisfies Record<Block, BlockFacts>;
export const FAMILY_ORDER: readonly Family[] = ['dense', 'conv', 'pooled', 'bilstm'];
/** The kind of `family` built of `block`, if there is one. */
export const kindFor = (family: Family, block: Block): ModelKind | undefined =>
  (KINDS as readonly ModelKind[]).find((k) => k.family === family && k.block === block);

/** Does this kind read `model.<field>`? */
export const usesField = (type: string, field: KindField): boolean => (kindOf(type).fields as readonly string[]).includes(field);
export const hasGates = (type: string): boolean => kindOf(type).block === 'highway';
