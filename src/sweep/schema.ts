/**
 * The `sweep` section of a config file, in zod, on the config's own field paths: a grid, a
 * random search, an early-stopping scheduler and per-value settings. spec.ts parses with it,
 * then checks what a schema cannot say (values legal for their field, ranges in order, a
 * "when" path swept); the JSON Schema for editors (configs/highway.schema.json) is the config's
 * schema with this section added.
 */
import { z } from 'zod';
import { FIELD_PATHS, configFileSchema } from '../config/index.js';
import { ASHA_METRICS, type AshaMetric } from './asha.js';

const path = z.enum(FIELD_PATHS as [string, ...string[]]);
const range = z.tuple([z.number(), z.number()]).describe('[lo, hi]');

export const DISTRIBUTIONS = ['uniform', 'logUniform', 'intUniform', 'choice'] as const;

export const distributionSchema = z.union([
  z.strictObject({ uniform: range }).describe('uniform on [lo, hi]'),
  z.strictObject({ logUniform: range }).describe('log-uniform on [lo, hi], lo > 0 (learning rates)'),
  z.strictObject({ intUniform: range }).describe('an integer uniform on [lo, hi]'),
  z.strictObject({ choice: z.array(z.unknown()).min(1) }).describe('one of the values, equally likely'),
]);

/** What both schedulers rank runs by. */
const rankedBy = z
  .enum(ASHA_METRICS as [AshaMetric, ...AshaMetric[]])
  .default('train_loss')
  .describe('what the runs of a grid point are ranked by at each rung');

export const ashaSchema = z
  .strictObject({
    metric: rankedBy,
    minEpochs: z.number().int().min(1).max(1_000_000).describe('the first rung: epochs before the first decision'),
    reduction: z.number().int().min(2).max(1_000_000).describe('η: rungs at minEpochs·η^k; the top 1/η of a rung continue'),
  })
  .describe('asynchronous successive halving (Li et al. 2020)');

export const shaSchema = z
  .strictObject({
    metric: rankedBy,
    minEpochs: z.number().int().min(1).max(1_000_000).describe('the first rung: every run trains this many epochs'),
    reduction: z.number().int().min(2).max(1_000_000).describe('η: rungs at minEpochs·η^k; the best 1/η of a rung continue'),
    minFinishers: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(10)
      .describe('a rung never keeps fewer than this many runs (a top-10 mean needs 10 finishers)'),
  })
  .describe(
    "synchronous successive halving (Hyperband's inner loop): at each rung, once every run of the grid point is there, the best max(⌈n/η⌉, minFinishers) continue from their checkpoints; the same finishers whatever the timing",
  );

export const sweepSchema = z
  .strictObject({
    grid: z.partialRecord(path, z.array(z.unknown()).min(1)).optional().describe('config path → values; every combination runs'),
    random: z
      .strictObject({
        trials: z.number().int().min(1).max(100_000).describe('samples per grid point'),
        seed: z
          .number()
          .int()
          .min(0)
          .max(2 ** 31 - 1)
          .default(0)
          .describe('drives the sampling'),
        space: z.partialRecord(path, distributionSchema).describe('config path → distribution'),
      })
      .optional(),
    scheduler: z
      .strictObject({ sha: shaSchema.optional(), asha: ashaSchema.optional() })
      .refine((s) => (s.sha ? 1 : 0) + (s.asha ? 1 : 0) === 1, { message: 'expected exactly one of "sha" and "asha"' })
      .optional()
      .describe('early stopping within each grid point: sha (synchronous, for studies) or asha (asynchronous: first arrivals pass)'),
    when: z
      .partialRecord(path, z.record(z.string(), z.partialRecord(path, z.unknown())))
      .optional()
      .describe('swept path → its value → settings for the runs with that value'),
  })
  .describe('a grid and/or random search; each run is the base config with these values set');

type ParsedScheduler = z.output<typeof sweepSchema>['scheduler'];

/** The parsed section as the one scheduler it names. */
export function schedulerOf(s: ParsedScheduler): { sha: z.output<typeof shaSchema> } | { asha: z.output<typeof ashaSchema> } | null {
  if (s?.sha) return { sha: s.sha };
  if (s?.asha) return { asha: s.asha };
  return null;
}

/** A whole config file, sweep section included: what `highway schema` prints and editors read. */
export const configFileWithSweepSchema = configFileSchema.extend({ sweep: sweepSchema.optional() });

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(configFileWithSweepSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
    title: 'highway config',
  };
}
