import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Layers whose output depends on how many training steps came before (SeededDropout's mask
 * stream). A checkpoint stores each one's count by layer name, and a resumed run sets it back,
 * so that it continues exactly as the uninterrupted run would have.
 */
interface Stepwise {
  trainingCalls: number;
}

const isStepwise = (l: object): l is Stepwise => typeof (l as Partial<Stepwise>).trainingCalls === 'number';

/** Layer name → training calls so far, for every stepwise layer of `model`. */
export function stepCounts(model: tfl.LayersModel): Record<string, number> {
  return Object.fromEntries(model.layers.filter(isStepwise).map((l) => [l.name, (l as unknown as Stepwise).trainingCalls]));
}

/** Set the counts saved by `stepCounts`; a saved layer the model lacks (or the reverse) means another model. */
export function setStepCounts(model: tfl.LayersModel, counts: Record<string, number>): void {
  const layers = model.layers.filter(isStepwise);
  const names = layers.map((l) => l.name).sort();
  if (names.join() !== Object.keys(counts).sort().join()) {
    throw new Error(`checkpoint step counts are for layers [${Object.keys(counts).join(', ')}], the model has [${names.join(', ')}]`);
  }
  for (const l of layers) (l as unknown as Stepwise).trainingCalls = counts[l.name]!;
}
