/**
 * The kernels the layers call and the backend provides, as one typed contract: each kernel's
 * name, its inputs by name, its attributes and its outputs in order. The layers call them
 * (direct-kernel.ts's callKernel) and the backend registers them (backend/provide-kernel.ts:
 * highway-kernels.ts, conv-kernels.ts, lstm-kernels.ts), both typed by the entries below, so a
 * change of signature is a compile error on whichever side lags. Where a backend has no such
 * kernel the layers run the same formulas as TF.js ops.
 */
import type { Activation } from '../base/vocabulary.js';

type NoAttrs = Record<string, never>;

export interface KernelContract {
  /** H = act(x·W_H + b_H), T = σ(x·W_T + b_T), y = x + T·(H − x); H and T only with `keep` (nothing else reads them). */
  HighwayForward: { inputs: 'x' | 'wh' | 'bh' | 'wt' | 'bt'; attrs: { activation: Activation; keep: boolean }; outputs: ['y', 'h'?, 't'?] };
  /** The coupled dense layer's closed-form gradient (layers/highway-dense.ts). */
  HighwayGradients: { inputs: 'x' | 'h' | 't' | 'dy' | 'wh' | 'wt'; attrs: { activation: Activation }; outputs: ['dx', 'dwh', 'dbh', 'dwt', 'dbt'] };
  /** The coupled 3×3 'same' conv layer (layers/highway-conv2d.ts); xp is x padded for the backward pass. */
  HighwayConv2D: { inputs: 'x' | 'wh' | 'bh' | 'wt' | 'bt'; attrs: { activation: Activation }; outputs: ['y', 'h', 't', 'xp'] };
  HighwayConv2DBackward: { inputs: 'dy' | 'h' | 't' | 'xp' | 'wh' | 'wt'; attrs: { activation: Activation }; outputs: ['dx', 'dwh', 'dbh', 'dwt', 'dbt'] };
  /** A bidirectional LSTM's recurrence over pre-activations (layers/lstm-sequence.ts). */
  LstmForward: { inputs: 'pre' | 'masks' | 'r'; attrs: NoAttrs; outputs: ['h', 'c', 'z'] };
  LstmBackward: { inputs: 'dh' | 'z' | 'c' | 'h' | 'masks' | 'r'; attrs: NoAttrs; outputs: ['dpre', 'dr'] };
}

export type KernelName = keyof KernelContract;
/** A kernel's inputs, each a T (a tensor for the caller, a TensorInfo for the backend). */
export type KernelInputs<K extends KernelName, T> = Record<KernelContract[K]['inputs'], T>;
export type KernelAttrs<K extends KernelName> = KernelContract[K]['attrs'];
/** A tuple of names as a tuple of Ts (a mapped type over a type parameter keeps tuples tuples). */
type Each<Names, T> = { [I in keyof Names]: T };
/** A kernel's outputs in order, each a T. */
export type KernelOutputs<K extends KernelName, T> = Each<KernelContract[K]['outputs'], T>;
