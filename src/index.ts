/**
 * The library (`import { HighwayDense, initBackend, buildModel } from 'highway-networks'`): the
 * layers, the builder, the trainer and the run folder, the same pieces the CLI uses.
 */
import type { ModelConfig, ResolvedConfig } from './config/index.js';
import { resolveConfig, type PartialConfig } from './config/validate.js';
import { buildModel as buildResolved, type DataShape } from './model/index.js';

export {
  BiLSTM,
  FeaturePad,
  FeatureSubsample,
  GatedLayer,
  HighwayBiLSTM,
  HighwayConv2D,
  HighwayDense,
  MaskedMeanPooling,
  ResidualBlock,
  ResidualConv2D,
  ResidualDense,
  SeededDropout,
  type GatedLayerArgs,
  type HighwayBiLSTMArgs,
  type HighwayConv2DArgs,
  type HighwayDenseArgs,
  type RecurrentArgs,
  type ResidualArgs,
  type ResidualConv2DArgs,
  type SeededDropoutArgs,
} from './layers/index.js';
export { logitsModel, countParams, planDense, type DataShape } from './model/index.js';
export { resolveConfig, loadConfigFile, parseSet, FIELDS, type Config, type ModelConfig, type ResolvedConfig } from './config/index.js';
export type { PartialConfig } from './config/validate.js';
export { initBackend, describeBackend, type BackendInfo } from './backend/index.js';
export { loadDataset, loadIdxFolder, type Dataset, type Split } from './data/index.js';
export { trainModel, evaluate, createOptimizer, type EpochRow, type TrainResult } from './train/index.js';
export { executeRun, type RunSummary } from './runs/run.js';
export { saveModel, loadModel, folderHandler } from './runs/model-io.js';
export { UserError } from './errors.js';

/**
 * A network from a model config: a partial one (`{ type: 'highway', depth: 10 }`, every other
 * field its default, "auto" values resolved) or one `resolveConfig` gave. `seed` drives the init.
 */
export function buildModel(model: Partial<ModelConfig> | ResolvedConfig['model'], data: DataShape, seed = 1) {
  return buildResolved(resolveConfig({ model } as PartialConfig).model, data, seed);
}
