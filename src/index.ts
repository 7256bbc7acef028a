/**
 * `highway` as a library: the layers, the builder, the trainer and the run folder, the same
 * pieces the CLI uses.
 */
export { HighwayDense, HighwayConv2D, FeaturePad, FeatureSubsample, type HighwayDenseArgs, type HighwayConv2DArgs } from './layers/index.js';
export { buildModel, logitsModel, countParams, planDense, planParams } from './model/index.js';
export { resolveConfig, loadConfigFile, parseSet, FIELDS, type Config, type ResolvedConfig } from './config/index.js';
export { initBackend, describeBackend, type BackendInfo } from './backend/index.js';
export { loadDataset, loadIdxFolder, type Dataset, type Split } from './data/index.js';
export { trainModel, evaluate, createOptimizer, type EpochRow, type TrainResult } from './train/index.js';
export { executeRun, type RunSummary } from './runs/run.js';
export { saveModel, loadModel } from './runs/model-io.js';
export { UserError } from './errors.js';
