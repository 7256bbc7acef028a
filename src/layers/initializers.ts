import * as tfl from '@tensorflow/tfjs-layers';
import { INITS, type InitName } from '../config/schema.js';
import { UserError } from '../errors.js';

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
