import * as tfl from '@tensorflow/tfjs-layers';
import { INITS, type InitName } from '../base/vocabulary.js';
import { UserError } from '../errors.js';
import { Rng } from '../util/random.js';

type Initializer = ReturnType<typeof tfl.initializers.glorotUniform>;

/** A (seeded) kernel initializer by name. The paper's "normalized initialization". */
export function kernelInitializer(name: InitName, seed?: number): Initializer {
  const args = seed === undefined ? {} : { seed };
  switch (name) {
    case 'glorot_uniform':
      return tfl.initializers.glorotUniform(args);
    case 'glorot_normal':
      return tfl.initializers.glorotNormal(args);
    case 'he_uniform':
      return tfl.initializers.heUniform(args);
    case 'he_normal':
      return tfl.initializers.heNormal(args);
  }
}

/**
 * tfjs-layers snake_cases string values when saving and camelCases them when loading
 * (`glorot_uniform` ↔ `glorotUniform`); accept both and keep the config's spelling.
 */
export function normalizeInitName(name: string, layer: string): InitName {
  const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (!(INITS as readonly string[]).includes(snake)) {
    throw new UserError(`${layer}: kernelInitializer must be one of ${INITS.join(', ')}, got "${name}"`);
  }
  return snake as InitName;
}

/**
 * A [rows, cols] matrix (rows ≤ cols) with orthonormal rows, from a seeded Gaussian matrix by
 * modified Gram–Schmidt in float64: the usual recurrent-kernel initialization. (tfjs-layers'
 * orthogonal initializer prints a slowness warning above 2,000 elements.)
 */
export function orthogonalRows(rows: number, cols: number, seed: number): Float32Array {
  if (rows > cols) throw new Error(`orthogonalRows: ${rows} rows cannot be orthonormal in ${cols} dimensions`);
  const rng = new Rng(seed);
  const q: Float64Array[] = [];
  for (let r = 0; r < rows; r++) {
    const v = Float64Array.from({ length: cols }, () => rng.normal());
    for (const u of q) {
      let dot = 0;
      for (let k = 0; k < cols; k++) dot += v[k]! * u[k]!;
      for (let k = 0; k < cols; k++) v[k]! -= dot * u[k]!;
    }
    let norm = 0;
    for (let k = 0; k < cols; k++) norm += v[k]! * v[k]!;
    norm = Math.sqrt(norm);
    for (let k = 0; k < cols; k++) v[k]! /= norm;
    q.push(v);
  }
  const out = new Float32Array(rows * cols);
  q.forEach((v, r) => {
    out.set(v, r * cols);
  });
  return out;
}
