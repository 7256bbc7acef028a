/**
 * tf.customGrad with types: an op whose forward pass gives its value, the tensors its gradient
 * reads and its closed-form gradient (the fused layers' ops: highway-dense.ts, highway-conv2d.ts,
 * fused-residual.ts, lstm-sequence.ts), and one such op per activation or form, made once.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A forward pass: the value, what the gradient reads (saved by the engine), and the gradient of every input. */
export interface Pass<Y extends tf.Tensor> {
  value: Y;
  saved: tf.Tensor[];
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
}

export function customOp<Inputs extends tf.Tensor[], Y extends tf.Tensor>(pass: (inputs: Inputs) => Pass<Y>): (...inputs: Inputs) => Y {
  return tf.customGrad((...args: Array<tf.Tensor | ((t: tf.Tensor[]) => void)>) => {
    // customGrad hands the inputs, then the function that saves tensors for the gradient
    const save = args.pop() as (t: tf.Tensor[]) => void;
    const { value, saved, gradFunc } = pass(args as Inputs);
    save(saved);
    return { value, gradFunc: (dy: tf.Tensor | tf.Tensor[], s: tf.Tensor[]) => gradFunc(dy as tf.Tensor, s) };
  }) as unknown as (...inputs: Inputs) => Y;
}

/** make(key), made once per key (each customOp is a new op: one per activation, not one per call). */
export function perKey<K, V>(make: (key: K) => V): (key: K) => V {
  const made = new Map<K, V>();
  return (key) => {
    if (!made.has(key)) made.set(key, make(key));
    return made.get(key)!;
  };
}
