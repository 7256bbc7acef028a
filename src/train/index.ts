export {
  trainModel,
  type EpochRow,
  type Progress,
  type TrainHooks,
  type TrainResult,
  type TrainStatus,
  type StopRequest,
  type EarlyStop,
  type TrainState,
  type TrainOptions,
} from './loop.js';
export { evaluate, crossEntropy, type Evaluation } from './evaluate.js';
export { createOptimizer, type Optimizer, type OptimizerState } from './optimizers.js';
export { createTrainStep, type TrainStep } from './step.js';
