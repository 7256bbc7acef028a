/**
 * The two directions of a bidirectional LSTM over a batch of sequences, advancing together: per
 * step the forward direction reads token t and the backward one token T − 1 − t;
 * z_t = x-part_t + h_{t−1}·R, c_t = σ(z_f)·c_{t−1} + σ(z_i)·tanh(z_g), h_t = σ(z_o)·tanh(c_t), the
 * state carried unchanged where the mask is 0 (padding). Returns h per step, [b, T, 2h] (the
 * backward half in step order, i.e. reversed time; bidirectional-lstm.ts puts it back).
 *
 * Where the backend has the kernels (wasm: backend/lstm-kernels.ts) the input pre-activations are
 * one matmul with the stored kernel [d, 8h] and the recurrence is one op, one kernel each way with
 * the backward pass through time written out — where autodiff ran ≈45 ops per step (a BiLSTM
 * training step: ≈10,700 kernels) and made a new transposed copy of R at every step. Elsewhere
 * the same recurrence runs as TF.js ops with autodiff: the reference the tests hold the kernels to.
 */
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-op.js';
import { callKernel, hasKernel } from './direct-kernel.js';
import { coupledCarry } from './gate.js';

/** LSTM weights for both directions: kernel [d, 8h], recurrent [h, 8h], bias [8h], columns (direction, gate i f g o, unit). */
export interface BiLstmWeights {
  kernel: tf.Tensor;
  recurrent: tf.Tensor;
  bias: tf.Tensor;
}

/**
 * The weights in the loop's column order (gate, direction, unit): inputF [d, 8h] and inputB
 * [d, 8h] (zero in the other direction's columns) and the block-diagonal recurrent kernel
 * [2h, 8h] (rows: forward state, backward state), by a few ops on weight-sized tensors.
 */
function stepKernels(w: BiLstmWeights, d: number, h: number): { inputF: tf.Tensor2D; inputB: tf.Tensor2D; recurrent: tf.Tensor2D } {
  const place = (block: tf.Tensor, rows: number, dir: 0 | 1) => {
    const gates = tf.reshape(block, [rows, 4, 1, h]);
    const zero = tf.zeros([rows, 4, 1, h]);
    return tf.reshape(tf.concat(dir === 0 ? [gates, zero] : [zero, gates], 2), [rows, 8 * h]) as tf.Tensor2D;
  };
  const [kF, kB] = tf.split(w.kernel, 2, 1);
  const [rF, rB] = tf.split(w.recurrent, 2, 1);
  return { inputF: place(kF!, d, 0), inputB: place(kB!, d, 1), recurrent: tf.concat([place(rF!, h, 0), place(rB!, h, 1)], 0) as tf.Tensor2D };
}

/** pre [b, T, 8h] as stored (direction, gate, unit; tokens in order), masks [b, T, 2h], R [2h, 8h] → h [b, T, 2h]. */
const recurrence = customOp<[pre: tf.Tensor3D, masks: tf.Tensor3D, r: tf.Tensor2D], tf.Tensor3D>(([pre, masks, r]) => {
  const [h, c, z] = callKernel('LstmForward', { pre, masks, r }, {})!;
  return {
    value: h as tf.Tensor3D,
    saved: [z, c, h, masks, r],
    gradFunc: (dy, saved) => {
      const [sz, sc, sh, sm, sr] = saved;
      const [dpre, dr] = callKernel('LstmBackward', { dh: dy, z: sz!, c: sc!, h: sh!, masks: sm!, r: sr! }, {})!;
      // the masks are data, never trained: their gradient is never read
      return [dpre, tf.zerosLike(sm!), dr];
    },
  };
});

function withKernels(x: tf.Tensor3D, masks: tf.Tensor3D, w: BiLstmWeights, h: number): tf.Tensor3D {
  const [b, steps, d] = x.shape;
  const pre = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [b * steps, d]) as tf.Tensor2D, w.kernel as tf.Tensor2D), w.bias), [b, steps, 8 * h]) as tf.Tensor3D;
  return recurrence(pre, masks, stepKernels(w, d, h).recurrent);
}

/**
 * As ops: the input pre-activations of every step in two large matmuls (forward tokens in order,
 * backward tokens reversed), each filling its own direction's columns; per step one
 * [b, 2h]·[2h, 8h] matmul, one split and ten elementwise ops.
 */
function withOps(x: tf.Tensor3D, masks: tf.Tensor3D, w: BiLstmWeights, h: number): tf.Tensor3D {
  const [b, steps, d] = x.shape;
  const k = stepKernels(w, d, h);
  const bias = tf.reshape(tf.transpose(tf.reshape(w.bias, [2, 4, h]), [1, 0, 2]), [8 * h]);
  const flat = (v: tf.Tensor) => tf.reshape(v, [b * steps, d]) as tf.Tensor2D;
  const pre = tf.add(tf.add(tf.matMul(flat(x), k.inputF), tf.matMul(flat(tf.reverse(x, 1)), k.inputB)), bias);
  const ms = tf.unstack(masks, 1) as tf.Tensor2D[];
  let hs: tf.Tensor2D = tf.zeros([b, 2 * h]);
  let cs: tf.Tensor2D = tf.zeros([b, 2 * h]);
  const out = (tf.unstack(tf.reshape(pre, [b, steps, 8 * h]), 1) as tf.Tensor2D[]).map((p, t) => {
    const [zi, zf, zg, zo] = tf.split(tf.add(p, tf.matMul(hs, k.recurrent)), 4, 1);
    const c = tf.add(tf.mul(tf.sigmoid(zf!), cs), tf.mul(tf.sigmoid(zi!), tf.tanh(zg!)));
    const hNew = tf.mul(tf.sigmoid(zo!), tf.tanh(c));
    const mt = ms[t]!;
    // the state carried unchanged over padding: a highway carry whose gate is the mask (1 at a token, 0 at padding)
    cs = coupledCarry(cs, c, mt) as tf.Tensor2D;
    hs = coupledCarry(hs, hNew, mt) as tf.Tensor2D;
    return hs;
  });
  return tf.stack(out, 1) as tf.Tensor3D;
}

/** h per step [b, T, 2h] of the BiLSTM with weights `w` over x [b, T, d]; masks [b, T, 2h] in step order. */
export function lstmSequence(x: tf.Tensor3D, masks: tf.Tensor3D, w: BiLstmWeights): tf.Tensor3D {
  const h = w.recurrent.shape[0]!;
  const kernels = (2 * h) % 4 === 0 && x.shape[1] > 0 && hasKernel('LstmForward');
  return (kernels ? withKernels : withOps)(x, masks, w, h);
}
