/**
 * The bidirectional LSTM op the recurrent layers run (recurrent.ts): the masks of both
 * directions, the recurrence (lstm-sequence.ts: kernels where the backend has them, else ops),
 * and the backward direction put back in time order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { lstmSequence, type BiLstmWeights } from './lstm-sequence.js';

/**
 * A bidirectional LSTM over x [batch, time, d] → [batch, time, 2h] (forward states, then
 * backward states). `mask` [batch, time] (1 = token, 0 = padding): at padded steps the state is
 * carried unchanged, so the backward direction starts at each sentence's last real token and
 * padding never reaches a real position.
 *
 * Gates: i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o); c' = f·c + i·g; h' = o·tanh(c').
 *
 * Layout, chosen for few small ops per time step (an op costs ≈10–40 µs on wasm whatever its
 * size, and moving a whole sequence through Transpose or Reverse costs tens of ms there): both
 * directions advance together. The input pre-activations of all steps (forward direction on
 * token t, backward on token T − 1 − t) come from two large matmuls before the loop; a step adds
 * state [batch, 2h] (forward, backward) times one block-diagonal kernel whose columns are ordered
 * (gate, direction, unit), so the four gates of both directions come out of one matmul and one
 * split. No transposes of sequences.
 */
export function bidirectionalLstm(x: tf.Tensor3D, mask: tf.Tensor2D | null, w: BiLstmWeights): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, steps] = x.shape;
    const h = w.recurrent.shape[0]!;
    const m = mask ?? tf.ones([b, steps]);
    // per step [b, 2h]: the forward half sees token t, the backward half token T − 1 − t
    const spread = tf.concat([tf.concat([tf.ones([1, h]), tf.zeros([1, h])], 1), tf.concat([tf.zeros([1, h]), tf.ones([1, h])], 1)], 0);
    const mPairs = tf.reshape(tf.stack([m, tf.reverse(m, 1)], 2), [b * steps, 2]);
    const masks = tf.reshape(tf.matMul(mPairs, spread), [b, steps, 2 * h]) as tf.Tensor3D;
    const states = lstmSequence(x, masks, w);
    // [b, T, 2h] with the backward half in reversed time: put it back in time order
    const [outF, outB] = tf.split(states, 2, 2);
    return tf.concat([outF!, tf.reverse(outB!, 1)], 2) as tf.Tensor3D;
  });
}
