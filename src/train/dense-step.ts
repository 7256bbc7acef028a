/**
 * The training step of a dense stack (dense-stack.ts: the paper's plain and highway nets) on
 * wasm without the engine: the forward pass, softmax cross-entropy and the backward pass are
 * calls into the SIMD module over buffers allocated once and reused step after step, and the
 * optimiser updates the weights in place from gradient tensors that are reused too. The
 * engine's per-op bookkeeping (tape, scopes, tensor tracking, tfjs-layers' graph walk) was
 * ≈35% of a depth-50 highway step once the layers' own arithmetic was in WebAssembly
 * (bench/NOTES.md #26). The layers' arithmetic is the same functions their kernels call
 * (simd/highway.wat, simd/gemm.wat), so this path and the per-layer one compute alike.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WasmSimd } from '../backend/wasm-simd.js';
import { ACTIVATION_TABLE } from '../layers/activations.js';
import type { StackLayer } from './dense-stack.js';

type Info = tf.TensorInfo;
const RELU = ACTIVATION_TABLE.relu.simd;
const LINEAR = ACTIVATION_TABLE.linear.simd;

/** Buffers for `rows` examples: the input, every layer's output (and a highway layer's H and T), gradients. */
interface Buffers {
  rows: number;
  x: Info;
  out: Info[];
  h: Array<Info | null>;
  t: Array<Info | null>;
  /** d(loss)/d(logits) */
  logitsGrad: Info;
  /** d(loss)/d(a layer's output), alternately */
  grad: [Info, Info];
  /** a dense layer's pre-activation gradient */
  dz: Info;
  /** a dense layer's kernel, transposed */
  kernelT: Info;
  /** the highway layers' gradient scratch */
  scratch: Info;
}

export interface DenseStackStep {
  /** Forward, backward, gradients into `grads` (by variable name); returns the mean cross-entropy. */
  run(simd: WasmSimd, x: Float32Array, labels: Int32Array): number;
  /** The gradient of every weight, reused step after step. */
  grads: tf.NamedTensorMap;
  dispose(): void;
}

export function denseStackStep(plan: StackLayer[], inputs: number, numClasses: number): DenseStackStep {
  const vars = plan.flatMap((l) => (l.kind === 'dense' ? [l.kernel, l.bias] : l.weights));
  const grads: tf.NamedTensorMap = Object.fromEntries(vars.map((v) => [v.name, tf.keep(tf.zeros(v.shape))]));
  const widest = Math.max(...plan.map((l) => l.units));
  const widestKernel = Math.max(0, ...plan.slice(1).map((l) => (l.kind === 'dense' ? l.inputs * l.units : 0)));
  let buffers: Buffers | null = null;
  let owner: WasmSimd | null = null;

  const free = () => {
    if (!buffers || !owner) return;
    const b = buffers;
    for (const t of [b.x, ...b.out, ...b.h, ...b.t, b.logitsGrad, ...b.grad, b.dz, b.kernelT, b.scratch]) if (t) owner.free(t);
    buffers = null;
  };
  const ensure = (simd: WasmSimd, rows: number): Buffers => {
    if (buffers && owner === simd && buffers.rows >= rows) return buffers;
    free();
    owner = simd;
    const n = (shape: number[]) => simd.alloc(shape);
    const highway = (l: StackLayer) => (l.kind === 'highway' ? n([rows, l.units]) : null);
    const scratch = Math.max(1, ...plan.map((l) => (l.kind === 'highway' ? rows * 3 * l.units + 2 * l.units * l.units : 0)));
    buffers = {
      rows,
      x: n([rows, inputs]),
      out: plan.map((l) => n([rows, l.units])),
      h: plan.map(highway),
      t: plan.map(highway),
      logitsGrad: n([rows, numClasses]),
      grad: [n([rows, widest]), n([rows, widest])],
      dz: n([rows, widest]),
      kernelT: n([Math.max(1, widestKernel)]),
      scratch: n([scratch]),
    };
    return buffers;
  };

  return {
    grads,
    run(simd, x, labels) {
      const rows = labels.length;
      const b = ensure(simd, rows);
      const k = simd.kernels;
      const p = (t: Info | tf.Tensor) => simd.ptr(t)!;
      const g = (v: tf.Variable) => p(grads[v.name]!);
      simd.view(b.x).set(x.subarray(0, rows * inputs));

      stackForward(
        simd,
        plan,
        rows,
        b.x,
        inputs,
        (i) => b.out[i]!,
        (i) => [b.h[i]!, b.t[i]!, true],
      );
      const loss = crossEntropyAndGradient(simd.view(b.out.at(-1)!), labels, simd.view(b.logitsGrad), numClasses);

      for (let i = plan.length - 1; i >= 0; i--) {
        const l = plan[i]!;
        const below = i > 0 ? b.out[i - 1]! : b.x;
        const inWidth = i > 0 ? plan[i - 1]!.units : inputs;
        const dOut = i === plan.length - 1 ? b.logitsGrad : b.grad[(plan.length - 2 - i) % 2]!;
        const dIn = b.grad[(plan.length - 1 - i) % 2]!;
        if (l.kind === 'dense') {
          let dz = p(dOut);
          if (l.activation !== LINEAR) {
            k.activationGrad(dz, p(b.out[i]!), p(b.dz), rows * l.units, l.activation);
            dz = p(b.dz);
          }
          // dW = inputᵀ·dz, read from the input as it lies; db = Σ_rows dz; d(input) = dz·Wᵀ
          k.gemm(p(below), 4, 4 * inWidth, dz, 4 * l.units, g(l.kernel), 4 * l.units, 0, 0, inWidth, l.units, rows, 0);
          k.columnSums(dz, rows, l.units, g(l.bias));
          if (i > 0) {
            k.transpose(p(l.kernel), p(b.kernelT), inWidth, l.units);
            k.gemm(dz, 4 * l.units, 4, p(b.kernelT), 4 * inWidth, p(dIn), 4 * inWidth, 0, 0, rows, inWidth, l.units, 0);
          }
        } else {
          const [wh, bh, wt, bt] = l.weights;
          k.gradients(p(below), p(b.h[i]!), p(b.t[i]!), p(dOut), p(wh), p(wt), p(dIn), g(wh), g(bh), g(wt), g(bt), p(b.scratch), rows, l.units, l.activation);
        }
      }
      return loss;
    },
    dispose() {
      free();
      tf.dispose(Object.values(grads));
    },
  };
}

/**
 * The stack's forward pass over `rows` examples in `x`: layer i writes `out(i)`; a highway layer
 * writes its H and T to `gate(i)`'s buffers, all rows of them when `keep` (training), else one
 * 64-row block's at a time (evaluation: nothing will read them).
 */
export function stackForward(
  simd: WasmSimd,
  plan: StackLayer[],
  rows: number,
  x: Info,
  inputs: number,
  out: (i: number) => Info,
  gate: (i: number) => [h: Info, t: Info, keep: boolean],
): void {
  const k = simd.kernels;
  const p = (t: Info) => simd.ptr(t)!;
  let input = x;
  let width = inputs;
  plan.forEach((l, i) => {
    const y = out(i);
    if (l.kind === 'dense') {
      k.gemm(p(input), 4 * width, 4, p(l.kernel), 4 * l.units, p(y), 4 * l.units, 0, p(l.bias), rows, l.units, width, l.activation === RELU ? 1 : 0);
      if (l.activation !== RELU && l.activation !== LINEAR) k.activateInPlace(p(y), rows * l.units, l.activation);
    } else {
      const [wh, bh, wt, bt] = l.weights.map(p) as [number, number, number, number];
      const [h, t, keep] = gate(i);
      k.forward(p(input), wh, bh, wt, bt, p(h), p(t), p(y), rows, l.units, l.activation, keep ? 1 : 0);
    }
    input = y;
    width = l.units;
  });
}

/**
 * Mean softmax cross-entropy of `rows` logit rows against integer labels, in float64, and its
 * gradient (softmax − one-hot) / rows into `grad`.
 */
function crossEntropyAndGradient(logits: Float32Array, labels: Int32Array, grad: Float32Array, classes: number): number {
  const rows = labels.length;
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[o + j]!);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(logits[o + j]! - max);
    loss += max + Math.log(sum) - logits[o + labels[r]!]!;
    for (let j = 0; j < classes; j++) grad[o + j] = (Math.exp(logits[o + j]! - max) / sum - (j === labels[r] ? 1 : 0)) / rows;
  }
  return loss / rows;
}
