/**
 * The memory estimate made before a net is built (src/model/memory-estimate.ts): its parameter
 * count against the built network's own (countParams over its trainable weights), for every kind.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { buildModel, countParams } from '../src/model/index.js';
import { MODEL_TYPES, kindOf } from '../src/base/kinds.js';
import { estimateTraining } from '../src/model/memory-estimate.js';

describe('the memory estimate', () => {
  it('counts the parameters the builder makes, for every kind and carry', () => {
    for (const type of MODEL_TYPES) {
      const family = kindOf(type).family;
      const text = family === 'pooled' || family === 'bilstm';
      const data = text
        ? { inputShape: [20], numClasses: 5, vocabSize: 37 }
        : family === 'conv'
          ? { inputShape: [12, 20, 3], numClasses: 10 } // not square: height and width pool apart
          : { inputShape: [16], numClasses: 4 };
      const variants: Array<Array<[string, unknown]>> = [
        [],
        [['model.width', 12]],
        ...(kindOf(type).fields.includes('carry' as never) ? [[['model.carry', 'independent']] as Array<[string, unknown]>] : []),
        ...(family === 'dense' && kindOf(type).block !== 'plain'
          ? [
              [
                ['model.widths', [6, 6, 3]],
                ['model.transition', 'subsample'],
              ] as Array<[string, unknown]>,
            ]
          : []),
      ];
      for (const extra of variants) {
        const cfg = resolveConfig(
          new Map<string, unknown>([
            ['model.type', type],
            ['model.depth', 3],
            ['model.embedDim', 8],
            ...(family === 'conv' ? ([['model.convBlocks', [1, 2]]] as Array<[string, unknown]>) : []),
            ...extra,
          ]),
        );
        const model = buildModel(cfg.model, data, 1);
        expect(estimateTraining(cfg, data).params, `${type} ${JSON.stringify(extra)}`).toBe(countParams(model));
        model.dispose();
      }
    }
  });

  it('grows with the batch (activations) and the optimiser (adam keeps two slots, sgd one)', () => {
    const base = resolveConfig(new Map<string, unknown>([['model.depth', 3]]));
    const data = { inputShape: [16], numClasses: 4 };
    const e = (batchSize: number, optimizer: string) => estimateTraining({ ...base, train: { ...base.train, batchSize, optimizer: optimizer as 'sgd' } }, data);
    const p = e(1, 'sgd').params;
    expect(e(1, 'adam').bytes - e(1, 'sgd').bytes).toBe(4 * p);
    expect(e(2, 'sgd').bytes).toBeGreaterThan(e(1, 'sgd').bytes);
    expect(e(1, 'sgd').bytes).toBeGreaterThanOrEqual(12 * p);
  });
});
